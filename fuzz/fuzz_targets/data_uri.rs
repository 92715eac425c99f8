//! `qr::decode_data_uri` on arbitrary text, and on arbitrary bytes wrapped as
//! a PNG data URI so that the PNG decoder and the module reader see them too.
//! It must return a value or an error, never panic.

#![no_main]

use base64::Engine as _;
use libfuzzer_sys::fuzz_target;
use mfa_console::qr::decode_data_uri;

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    if mode % 2 == 0 {
        let uri = format!(
            "data:image/png;base64,{}",
            base64::engine::general_purpose::STANDARD.encode(rest)
        );
        if let Ok(decoded) = decode_data_uri(&uri) {
            assert_eq!(decoded.png, rest, "the PNG bytes come back as sent");
            check_modules(&decoded);
        }
    } else if let Ok(text) = std::str::from_utf8(rest)
        && let Ok(decoded) = decode_data_uri(text)
    {
        check_modules(&decoded);
    }
});

fn check_modules(decoded: &mfa_console::qr::DecodedQr) {
    if let Some(modules) = &decoded.modules {
        assert_eq!(modules.dark.len(), modules.side * modules.side);
        assert!((21..=177).contains(&modules.side));
    }
}
