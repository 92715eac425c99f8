//! Renders an `otpauth://` URI as the PNG data URI the API returns in `qr_code`.

use base64::Engine as _;
use image::{GrayImage, ImageEncoder as _, Luma};
use qrcode::{Color, EcLevel, QrCode};

/// Pixels per module; with the quiet zone a version 6 code comes out near the
/// 592 pixels of real responses.
const MODULE_PIXELS: u32 = 10;
/// Modules of white border.
const QUIET_ZONE: u32 = 4;

/// Failure to render a QR code.
#[derive(Debug, thiserror::Error)]
pub enum QrRenderError {
    #[error("the text does not fit in a QR code: {0}")]
    TooLong(String),
    #[error("the PNG could not be encoded: {0}")]
    Encode(String),
}

/// Checks that `text` fits in a QR code, without rendering it.
pub fn check_fits(text: &str) -> Result<(), QrRenderError> {
    QrCode::with_error_correction_level(text.as_bytes(), EcLevel::M)
        .map(|_| ())
        .map_err(|error| QrRenderError::TooLong(error.to_string()))
}

/// Encodes `text` as a QR code and returns `data:image/png;base64,...`.
pub fn qr_data_uri(text: &str) -> Result<String, QrRenderError> {
    let code = QrCode::with_error_correction_level(text.as_bytes(), EcLevel::M)
        .map_err(|error| QrRenderError::TooLong(error.to_string()))?;
    let side =
        u32::try_from(code.width()).map_err(|error| QrRenderError::TooLong(error.to_string()))?;
    let colors = code.to_colors();
    let image_side = (side + 2 * QUIET_ZONE) * MODULE_PIXELS;
    let image = GrayImage::from_fn(image_side, image_side, |x, y| {
        let column = (x / MODULE_PIXELS).checked_sub(QUIET_ZONE);
        let row = (y / MODULE_PIXELS).checked_sub(QUIET_ZONE);
        let dark = match (column, row) {
            (Some(column), Some(row)) if column < side && row < side => {
                colors[(row * side + column) as usize] == Color::Dark
            }
            _ => false,
        };
        Luma([if dark { 0 } else { 255 }])
    });

    let mut png = Vec::new();
    image::codecs::png::PngEncoder::new(&mut png)
        .write_image(
            image.as_raw(),
            image_side,
            image_side,
            image::ExtendedColorType::L8,
        )
        .map_err(|error| QrRenderError::Encode(error.to_string()))?;
    Ok(format!(
        "data:image/png;base64,{}",
        base64::engine::general_purpose::STANDARD.encode(png)
    ))
}
