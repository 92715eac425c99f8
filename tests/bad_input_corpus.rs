#![allow(clippy::expect_used, clippy::unwrap_used)]
//! A table of awkward and malformed inputs for every field a user types or a
//! server sends: phone numbers, one-time codes, issuer and user labels, and
//! the `qr_code` data URI. Each case names the exact value or error variant
//! expected, so a parser that starts to panic, accept or reject differently
//! fails here. Labels that are accepted must survive the `otpauth://` URI and
//! the QR code a real emulator renders.

mod common;

use base64::Engine as _;
use common::{enroll_totp, sdk, start_emulator};
use mfa_console::qr::{QrImageError, decode_data_uri};
use mfa_console::totp::{OtpAlgorithm, OtpauthParts, otpauth_uri, parse_otpauth_uri};
use mfa_console::validate::{
    MAX_LABEL_CHARS, OtpCode, OtpCodeError, PhoneNumber, PhoneNumberError, TotpLabel,
    TotpLabelError,
};

fn formatted(suggestion: &str) -> PhoneNumberError {
    PhoneNumberError::Formatted {
        suggestion: suggestion.to_owned(),
    }
}

#[test]
fn phone_numbers() {
    let cases: Vec<(&str, Result<&str, PhoneNumberError>)> = vec![
        ("+15005550006", Ok("+15005550006")),
        ("+442071838750", Ok("+442071838750")),
        ("  +15005550006\n", Ok("+15005550006")),
        ("+123456789012345", Ok("+123456789012345")),
        ("+1 (500) 555-0006", Err(formatted("+15005550006"))),
        ("+1.500.555.0006", Err(formatted("+15005550006"))),
        ("+44 20 7183 8750", Err(formatted("+442071838750"))),
        ("0044 20 7183 8750", Err(formatted("+442071838750"))),
        ("+81-3-1234-5678", Err(formatted("+81312345678"))),
        ("0015005550006", Err(formatted("+15005550006"))),
        ("+1234567890123456", Err(PhoneNumberError::TooLong(16))),
        ("+1 234 567 890 123 456", Err(PhoneNumberError::TooLong(16))),
        ("+", Err(PhoneNumberError::LonePlus)),
        (" + ", Err(PhoneNumberError::LonePlus)),
        ("", Err(PhoneNumberError::Empty)),
        ("   ", Err(PhoneNumberError::Empty)),
        ("00", Err(PhoneNumberError::TooShort)),
        ("+1", Err(PhoneNumberError::TooShort)),
        ("15005550006", Err(PhoneNumberError::MissingPlus)),
        ("(500) 555-0006", Err(PhoneNumberError::MissingPlus)),
        ("+05551234567", Err(PhoneNumberError::LeadingZero)),
        (
            "＋１５００５５５０００６",
            Err(PhoneNumberError::InvalidCharacter('＋')),
        ),
        (
            "+１５００５５５０００６",
            Err(PhoneNumberError::InvalidCharacter('１')),
        ),
        (
            "+1\u{a0}500\u{a0}555\u{a0}0006",
            Err(PhoneNumberError::InvalidCharacter('\u{a0}')),
        ),
        (
            "tel:+15005550006",
            Err(PhoneNumberError::InvalidCharacter('t')),
        ),
        (
            "+1 500 555 0006 ext. 12",
            Err(PhoneNumberError::InvalidCharacter('e')),
        ),
        (
            "+1500555000６",
            Err(PhoneNumberError::InvalidCharacter('６')),
        ),
        (
            "+1500+5550006",
            Err(PhoneNumberError::InvalidCharacter('+')),
        ),
        (
            "++15005550006",
            Err(PhoneNumberError::InvalidCharacter('+')),
        ),
    ];
    for (input, expected) in cases {
        let parsed = PhoneNumber::parse(input);
        assert_eq!(
            parsed.as_ref().map(PhoneNumber::expose),
            expected.as_ref().map(|number| *number),
            "phone input {input:?}"
        );
    }
}

#[test]
fn one_time_codes() {
    let cases: Vec<(&str, Result<&str, OtpCodeError>)> = vec![
        ("123456", Ok("123456")),
        ("000000", Ok("000000")),
        ("123 456", Ok("123456")),
        ("123-456", Ok("123456")),
        ("  123456  ", Ok("123456")),
        ("1 2 3 4 5 6", Ok("123456")),
        ("１２３４５６", Ok("123456")),
        ("１２３\u{3000}４５６", Ok("123456")),
        ("12345", Err(OtpCodeError::WrongLength(5))),
        ("1234567", Err(OtpCodeError::WrongLength(7))),
        ("123 4567", Err(OtpCodeError::WrongLength(7))),
        ("1234567890", Err(OtpCodeError::WrongLength(10))),
        ("---", Err(OtpCodeError::WrongLength(0))),
        ("", Err(OtpCodeError::Empty)),
        ("   ", Err(OtpCodeError::Empty)),
        ("abc123", Err(OtpCodeError::NotADigit('a'))),
        ("12345x", Err(OtpCodeError::NotADigit('x'))),
        ("12345O", Err(OtpCodeError::NotADigit('O'))),
        ("123.456", Err(OtpCodeError::NotADigit('.'))),
        ("123\t456", Err(OtpCodeError::NotADigit('\t'))),
        ("+123456", Err(OtpCodeError::NotADigit('+'))),
        ("١٢٣٤٥٦", Err(OtpCodeError::NotADigit('١'))),
    ];
    for (input, expected) in cases {
        let parsed = OtpCode::parse(input);
        assert_eq!(
            parsed.as_ref().map(OtpCode::expose),
            expected.as_ref().map(|code| *code),
            "code input {input:?}"
        );
    }
}

/// Issuer and user labels as typed, and the label each must parse to.
const ACCEPTED_LABELS: [(&str, &str, &str, &str); 12] = [
    (
        "Foo Corp",
        "alan.turing@example.com",
        "Foo Corp",
        "alan.turing@example.com",
    ),
    ("A&B", "x&y=z", "A&B", "x&y=z"),
    ("100% Corp", "50%off", "100% Corp", "50%off"),
    ("a:b", "c:d", "a:b", "c:d"),
    ("Äcme GmbH", "山田太郎", "Äcme GmbH", "山田太郎"),
    (
        "Société Générale",
        "zoë@example.fr",
        "Société Générale",
        "zoë@example.fr",
    ),
    ("ООО Ромашка", "иван", "ООО Ромашка", "иван"),
    ("שלום", "مرحبا", "שלום", "مرحبا"),
    ("Foo#1", "who?me", "Foo#1", "who?me"),
    (
        "Plus+Corp",
        "a+b@example.com",
        "Plus+Corp",
        "a+b@example.com",
    ),
    ("  Padded  ", "\tuser\n", "Padded", "user"),
    ("🔐 Vault", "🙂 smile", "🔐 Vault", "🙂 smile"),
];

#[test]
fn labels_rejected() {
    let long = "x".repeat(MAX_LABEL_CHARS + 1);
    let cases: Vec<(&str, &str, TotpLabelError)> = vec![
        ("issuer", "", TotpLabelError::Empty { field: "issuer" }),
        ("user", " \t ", TotpLabelError::Empty { field: "user" }),
        (
            "user",
            "a\tb",
            TotpLabelError::ControlCharacter { field: "user" },
        ),
        (
            "issuer",
            "Foo\nCorp",
            TotpLabelError::ControlCharacter { field: "issuer" },
        ),
        (
            "user",
            "bell\u{7}",
            TotpLabelError::ControlCharacter { field: "user" },
        ),
        (
            "user",
            &long,
            TotpLabelError::TooLong {
                field: "user",
                length: MAX_LABEL_CHARS + 1,
            },
        ),
    ];
    for (field, input, expected) in cases {
        assert_eq!(
            TotpLabel::parse(field, input),
            Err(expected),
            "{field} input {input:?}"
        );
    }
}

/// A valid Base32 secret (RFC 6238's test key) for URIs built in the tests.
const SECRET: &str = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ";

#[test]
fn labels_round_trip_through_uri() {
    for (issuer_input, user_input, issuer, user) in ACCEPTED_LABELS {
        let parsed_issuer = TotpLabel::parse("issuer", issuer_input).unwrap();
        let parsed_user = TotpLabel::parse("user", user_input).unwrap();
        assert_eq!(parsed_issuer.as_str(), issuer, "issuer {issuer_input:?}");
        assert_eq!(parsed_user.as_str(), user, "user {user_input:?}");

        let uri = otpauth_uri(parsed_issuer.as_str(), parsed_user.as_str(), SECRET);
        assert_eq!(
            parse_otpauth_uri(&uri),
            Ok(OtpauthParts {
                issuer: Some(issuer.to_owned()),
                user: user.to_owned(),
                secret: SECRET.to_owned(),
                algorithm: OtpAlgorithm::Sha1,
                digits: 6,
                period_seconds: 30,
            }),
            "{uri}"
        );
    }
}

fn read_qr_text(png: &[u8]) -> String {
    let pixels = image::load_from_memory(png).unwrap().into_luma8();
    let mut prepared = rqrr::PreparedImage::prepare(pixels);
    let grids = prepared.detect_grids();
    assert_eq!(grids.len(), 1, "exactly one QR code in the image");
    grids[0].decode().expect("the QR code decodes").1
}

fn png_of(data_uri: &str) -> Vec<u8> {
    let payload = data_uri
        .strip_prefix("data:image/png;base64,")
        .expect("a PNG data URI");
    base64::engine::general_purpose::STANDARD
        .decode(payload)
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn labels_round_trip_through_qr() {
    let (emulator, config) = start_emulator().await;
    let client = sdk(&emulator.base_url, &config.api_key);
    for (issuer_input, user_input, issuer, user) in ACCEPTED_LABELS {
        let issuer_label = TotpLabel::parse("issuer", issuer_input).unwrap();
        let user_label = TotpLabel::parse("user", user_input).unwrap();
        let factor = enroll_totp(&client, issuer_label.as_str(), user_label.as_str()).await;
        let totp = factor.totp.expect("a TOTP enrollment returns TOTP data");

        let scanned = read_qr_text(&png_of(totp.qr_code.expose()));
        assert_eq!(scanned, totp.uri.expose(), "the QR code holds the uri");
        let parts = parse_otpauth_uri(&scanned).expect("the scanned URI parses");
        assert_eq!(
            parts.issuer.as_deref(),
            Some(issuer),
            "issuer {issuer_input:?}"
        );
        assert_eq!(parts.user, user, "user {user_input:?}");
        assert_eq!(
            parts.secret,
            totp.secret.expose(),
            "secret of {user_input:?}"
        );
    }
}

/// The outcome a data URI case expects: a decoded image with or without a
/// readable module grid, or a specific error.
#[derive(Debug)]
enum Expected {
    Grid { side: usize },
    NoGrid,
    Error(QrImageError),
    InvalidPng,
}

fn white_png(side: u32) -> Vec<u8> {
    let image = image::GrayImage::from_pixel(side, side, image::Luma([255]));
    let mut png = std::io::Cursor::new(Vec::new());
    image.write_to(&mut png, image::ImageFormat::Png).unwrap();
    png.into_inner()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn qr_data_uris() {
    let (emulator, config) = start_emulator().await;
    let client = sdk(&emulator.base_url, &config.api_key);
    let factor = enroll_totp(&client, "Foo Corp", "alan.turing@example.com").await;
    let valid = factor.totp.unwrap().qr_code.expose().to_owned();
    let png = png_of(&valid);
    let side = decode_data_uri(&valid).unwrap().modules.unwrap().side;
    let base64 = |bytes: &[u8]| base64::engine::general_purpose::STANDARD.encode(bytes);
    let payload = base64(&png);
    let wrapped: String = payload
        .as_bytes()
        .chunks(76)
        .map(|line| std::str::from_utf8(line).unwrap())
        .collect::<Vec<_>>()
        .join("\r\n");
    let url_safe = base64::engine::general_purpose::URL_SAFE.encode(&png);
    let unpadded = base64::engine::general_purpose::STANDARD_NO_PAD.encode(&png);

    let cases: Vec<(&str, String, Expected)> = vec![
        ("as sent", valid.clone(), Expected::Grid { side }),
        (
            "line breaks in the base64",
            format!("data:image/png;base64,{wrapped}"),
            Expected::Grid { side },
        ),
        (
            "spaces in the base64",
            format!("data:image/png;base64,{}", payload.replace('A', " A")),
            Expected::Grid { side },
        ),
        (
            "upper-case scheme and media type",
            format!("DATA:IMAGE/PNG;BASE64,{payload}"),
            Expected::Grid { side },
        ),
        (
            "upper-case type after the scheme",
            format!("data:IMAGE/PNG;BASE64,{payload}"),
            Expected::Grid { side },
        ),
        (
            "white space around",
            format!("\n  {valid}  \n"),
            Expected::Grid { side },
        ),
        (
            "a PNG with no QR code",
            format!("data:image/png;base64,{}", base64(&white_png(64))),
            Expected::NoGrid,
        ),
        (
            "wrong MIME type",
            format!("data:image/jpeg;base64,{payload}"),
            Expected::Error(QrImageError::WrongMediaType("image/jpeg".to_owned())),
        ),
        (
            "text MIME type",
            format!("data:text/plain;base64,{payload}"),
            Expected::Error(QrImageError::WrongMediaType("text/plain".to_owned())),
        ),
        (
            "no MIME type",
            format!("data:;base64,{payload}"),
            Expected::Error(QrImageError::WrongMediaType(String::new())),
        ),
        (
            "no base64 marker",
            format!("data:image/png,{payload}"),
            Expected::Error(QrImageError::NotBase64Encoded),
        ),
        (
            "no data: prefix",
            format!("image/png;base64,{payload}"),
            Expected::Error(QrImageError::NotDataUri),
        ),
        (
            "bare base64",
            payload.clone(),
            Expected::Error(QrImageError::NotDataUri),
        ),
        (
            "no comma",
            "data:image/png;base64".to_owned(),
            Expected::Error(QrImageError::NotDataUri),
        ),
        (
            "empty",
            String::new(),
            Expected::Error(QrImageError::NotDataUri),
        ),
        (
            "not base64",
            "data:image/png;base64,@@@".to_owned(),
            Expected::Error(QrImageError::InvalidBase64),
        ),
        (
            "URL-safe base64 alphabet",
            format!("data:image/png;base64,{url_safe}"),
            if url_safe == payload {
                Expected::Grid { side }
            } else {
                Expected::Error(QrImageError::InvalidBase64)
            },
        ),
        (
            "base64 without padding",
            format!("data:image/png;base64,{unpadded}"),
            if unpadded == payload {
                Expected::Grid { side }
            } else {
                Expected::Error(QrImageError::InvalidBase64)
            },
        ),
        (
            "bytes that are not a PNG",
            format!("data:image/png;base64,{}", base64(b"hello world")),
            Expected::InvalidPng,
        ),
        (
            "a PNG cut in half",
            format!("data:image/png;base64,{}", base64(&png[..png.len() / 2])),
            Expected::InvalidPng,
        ),
        (
            "a JPEG signature",
            format!(
                "data:image/png;base64,{}",
                base64(&[0xFF, 0xD8, 0xFF, 0xE0, 0, 0x10])
            ),
            Expected::InvalidPng,
        ),
    ];
    for (name, uri, expected) in cases {
        let result = decode_data_uri(&uri);
        match (&expected, &result) {
            (Expected::Grid { side }, Ok(decoded)) => {
                assert_eq!(decoded.png, png, "{name}: the PNG bytes");
                assert_eq!(
                    decoded.modules.as_ref().map(|modules| modules.side),
                    Some(*side),
                    "{name}: the module grid"
                );
            }
            (Expected::NoGrid, Ok(decoded)) => {
                assert!(decoded.modules.is_none(), "{name}: no module grid");
            }
            (Expected::Error(error), Err(actual)) => {
                assert_eq!(actual, error, "{name}");
            }
            (Expected::InvalidPng, Err(QrImageError::InvalidPng(_))) => {}
            _ => panic!(
                "{name}: expected {expected:?}, got {:?}",
                result.map(|_| "Ok")
            ),
        }
    }
}
