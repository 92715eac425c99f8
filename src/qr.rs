//! The API's `qr_code` data URI, decoded into a module grid that the UI draws
//! crisp at any scale.
//!
//! The PNG is decoded and its QR modules are read back from the pixels. The UI
//! then draws one texel per module on a white plate with a quiet zone, scaled
//! by a whole number of pixels per module with nearest filtering. A PNG whose
//! grid can't be read is still shown as it is.

use base64::Engine as _;
use thiserror::Error;

/// Modules of white border around the code, as ISO/IEC 18004 requires.
pub const QUIET_ZONE_MODULES: usize = 4;

/// Largest width or height of a QR image that is decoded, in pixels. The
/// emulator's images are at most about 1,900 pixels (version 40 at 10 pixels
/// per module). The limit keeps a malformed response from making the
/// decoding thread allocate and scan hundreds of megabytes of pixels.
pub const MAX_IMAGE_SIDE: u32 = 4096;

const DATA_URI_PREFIX: &str = "data:";
const PNG_MEDIA_TYPE: &str = "image/png";

/// Reason a `qr_code` value could not be shown.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum QrImageError {
    #[error("The QR code is not a data URI (it should start with 'data:image/png;base64,').")]
    NotDataUri,
    #[error("The QR code has media type '{0}', but a PNG ('image/png') was expected.")]
    WrongMediaType(String),
    #[error("The QR code data URI is not base64-encoded (';base64' is missing).")]
    NotBase64Encoded,
    #[error("The QR code data is not valid base64.")]
    InvalidBase64,
    #[error("The QR code data is not a readable PNG ({0}).")]
    InvalidPng(String),
}

/// A QR code read back from its PNG: `side` modules per side, row by row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QrModules {
    pub side: usize,
    pub dark: Vec<bool>,
}

impl QrModules {
    /// Returns whether the module at column `x`, row `y` is dark.
    pub fn is_dark(&self, x: usize, y: usize) -> bool {
        self.dark.get(y * self.side + x).copied().unwrap_or(false)
    }
}

/// A decoded `qr_code` value.
#[derive(Debug, Clone)]
pub struct DecodedQr {
    /// The PNG file as sent, for "Save as PNG".
    pub png: Vec<u8>,
    /// The PNG's pixels in grey scale.
    pub pixels: image::GrayImage,
    /// The module grid, when it could be read from the pixels.
    pub modules: Option<QrModules>,
}

/// Decodes a `data:image/png;base64,...` URI. Line breaks and spaces inside
/// the base64 text are ignored, as RFC 2045 encoders insert them.
pub fn decode_data_uri(uri: &str) -> Result<DecodedQr, QrImageError> {
    let uri = uri.trim();
    // URI schemes are case-insensitive (RFC 3986, section 3.1).
    let has_prefix = uri
        .get(..DATA_URI_PREFIX.len())
        .is_some_and(|prefix| prefix.eq_ignore_ascii_case(DATA_URI_PREFIX));
    let rest = match uri.get(DATA_URI_PREFIX.len()..) {
        Some(rest) if has_prefix => rest,
        _ => return Err(QrImageError::NotDataUri),
    };
    let (header, payload) = rest.split_once(',').ok_or(QrImageError::NotDataUri)?;
    let mut parameters = header.split(';');
    let media_type = parameters.next().unwrap_or_default().trim();
    if !media_type.eq_ignore_ascii_case(PNG_MEDIA_TYPE) {
        return Err(QrImageError::WrongMediaType(media_type.to_owned()));
    }
    if !parameters.any(|parameter| parameter.trim().eq_ignore_ascii_case("base64")) {
        return Err(QrImageError::NotBase64Encoded);
    }

    let compact: String = payload
        .chars()
        .filter(|c| !c.is_ascii_whitespace())
        .collect();
    let png = base64::engine::general_purpose::STANDARD
        .decode(compact.as_bytes())
        .map_err(|_| QrImageError::InvalidBase64)?;
    let mut reader =
        image::ImageReader::with_format(std::io::Cursor::new(&png), image::ImageFormat::Png);
    let mut limits = image::Limits::default();
    limits.max_image_width = Some(MAX_IMAGE_SIDE);
    limits.max_image_height = Some(MAX_IMAGE_SIDE);
    reader.limits(limits);
    let pixels = reader
        .decode()
        .map_err(|error| QrImageError::InvalidPng(error.to_string()))?
        .into_luma8();
    let modules = read_modules(&pixels);
    Ok(DecodedQr {
        png,
        pixels,
        modules,
    })
}

/// Reads the module grid from an axis-aligned, unrotated QR image such as the
/// ones the API generates. Returns `None` when the image does not look like one.
pub fn read_modules(pixels: &image::GrayImage) -> Option<QrModules> {
    let is_dark = |x: u32, y: u32| pixels.get_pixel(x, y).0[0] < 128;
    let (width, height) = pixels.dimensions();

    let mut min_x = u32::MAX;
    let mut min_y = u32::MAX;
    let mut max_x = 0;
    let mut max_y = 0;
    for y in 0..height {
        for x in 0..width {
            if is_dark(x, y) {
                min_x = min_x.min(x);
                min_y = min_y.min(y);
                max_x = max_x.max(x);
                max_y = max_y.max(y);
            }
        }
    }
    if min_x > max_x || min_y > max_y {
        return None;
    }

    // The top-left finder pattern starts with a run of 7 dark modules.
    let finder_run = (min_x..=max_x).take_while(|&x| is_dark(x, min_y)).count();
    let module_pixels = finder_run as f64 / 7.0;
    if module_pixels < 1.0 {
        return None;
    }
    let side_pixels = f64::from(max_x - min_x + 1);
    let side = (side_pixels / module_pixels).round() as usize;
    let height_modules = (f64::from(max_y - min_y + 1) / module_pixels).round() as usize;
    // QR versions 1 to 40 have 21 to 177 modules per side, in steps of 4.
    if side != height_modules || !(21..=177).contains(&side) || !(side - 17).is_multiple_of(4) {
        return None;
    }

    let mut dark = Vec::with_capacity(side * side);
    for row in 0..side {
        for column in 0..side {
            let x = f64::from(min_x) + (column as f64 + 0.5) * module_pixels;
            let y = f64::from(min_y) + (row as f64 + 0.5) * module_pixels;
            dark.push(is_dark(x as u32, y as u32));
        }
    }
    Some(QrModules { side, dark })
}

/// Returns the whole number of pixels per module that fits a code of `side`
/// modules and its quiet zone into `available_pixels`. The minimum is 1.
pub fn pixels_per_module(side: usize, available_pixels: f32) -> usize {
    let total = side + 2 * QUIET_ZONE_MODULES;
    let fitting = (available_pixels / total as f32).floor();
    if fitting.is_finite() && fitting >= 1.0 {
        fitting as usize
    } else {
        1
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rejects_missing_prefix() {
        assert_eq!(
            decode_data_uri("iVBORw0KGgo=").err(),
            Some(QrImageError::NotDataUri)
        );
    }

    #[test]
    fn scheme_ignores_case() {
        // Both fail on the payload, which shows that the prefix was accepted.
        assert_eq!(
            decode_data_uri("DATA:image/png;base64,@@@").err(),
            Some(QrImageError::InvalidBase64)
        );
        assert_eq!(
            decode_data_uri("Data:image/png;base64,@@@").err(),
            Some(QrImageError::InvalidBase64)
        );
    }

    #[test]
    fn rejects_wrong_media_type() {
        assert_eq!(
            decode_data_uri("data:image/jpeg;base64,AAAA").err(),
            Some(QrImageError::WrongMediaType("image/jpeg".to_owned()))
        );
    }

    #[test]
    fn rejects_bytes_that_are_not_png() {
        let result = decode_data_uri("data:image/png;base64,aGVsbG8gd29ybGQ=");
        assert!(
            matches!(result, Err(QrImageError::InvalidPng(_))),
            "{result:?}"
        );
    }

    #[test]
    fn rejects_invalid_base64() {
        assert_eq!(
            decode_data_uri("data:image/png;base64,@@@").err(),
            Some(QrImageError::InvalidBase64)
        );
    }

    /// Builds a PNG chunk: length, type, data and CRC-32 (ISO 3309, as PNG
    /// uses).
    fn png_chunk(kind: &[u8; 4], data: &[u8]) -> Vec<u8> {
        let mut crc = 0xFFFF_FFFF_u32;
        for byte in kind.iter().chain(data) {
            crc ^= u32::from(*byte);
            for _ in 0..8 {
                crc = if crc & 1 == 1 {
                    (crc >> 1) ^ 0xEDB8_8320
                } else {
                    crc >> 1
                };
            }
        }
        let mut chunk = u32::try_from(data.len()).unwrap().to_be_bytes().to_vec();
        chunk.extend_from_slice(kind);
        chunk.extend_from_slice(data);
        chunk.extend_from_slice(&(!crc).to_be_bytes());
        chunk
    }

    #[test]
    fn rejects_oversized_image_before_decoding() {
        // An 8-bit grey PNG that claims 20,000 x 20,000 pixels (400 MB once
        // decoded) with almost no image data.
        let mut header = Vec::new();
        header.extend_from_slice(&20_000_u32.to_be_bytes());
        header.extend_from_slice(&20_000_u32.to_be_bytes());
        header.extend_from_slice(&[8, 0, 0, 0, 0]);
        let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
        png.extend(png_chunk(b"IHDR", &header));
        png.extend(png_chunk(
            b"IDAT",
            &[0x78, 0x9C, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01],
        ));
        png.extend(png_chunk(b"IEND", &[]));
        let uri = format!(
            "data:image/png;base64,{}",
            base64::engine::general_purpose::STANDARD.encode(&png)
        );

        let started = std::time::Instant::now();
        let result = decode_data_uri(&uri);
        assert!(
            matches!(&result, Err(QrImageError::InvalidPng(reason)) if reason.contains("limit")),
            "{:?}",
            result.map(|decoded| decoded.pixels.dimensions())
        );
        assert!(started.elapsed() < std::time::Duration::from_secs(1));
    }

    #[test]
    fn module_scale_is_whole() {
        assert_eq!(pixels_per_module(21, 290.0), 10);
        assert_eq!(pixels_per_module(21, 5.0), 1);
        assert_eq!(pixels_per_module(21, f32::NAN), 1);
    }
}
