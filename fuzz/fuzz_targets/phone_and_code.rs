//! The phone-number and one-time-code parsers on arbitrary text. Besides
//! never panicking, an accepted value must be in its canonical form and parse
//! to itself again, and a suggested phone number must be accepted as it is.

#![no_main]

use libfuzzer_sys::fuzz_target;
use mfa_console::validate::{OtpCode, PhoneNumber, PhoneNumberError};

fuzz_target!(|text: &str| {
    if let Ok(code) = OtpCode::parse(text) {
        let digits = code.expose();
        assert_eq!(digits.len(), 6);
        assert!(digits.bytes().all(|byte| byte.is_ascii_digit()));
        assert_eq!(OtpCode::parse(digits).as_ref(), Ok(&code));
    }

    match PhoneNumber::parse(text) {
        Ok(phone) => {
            let number = phone.expose();
            assert!(number.starts_with('+'));
            assert!(number[1..].bytes().all(|byte| byte.is_ascii_digit()));
            assert!((3..=16).contains(&number.len()));
            assert_eq!(PhoneNumber::parse(number).as_ref(), Ok(&phone));
            assert!(!phone.masked().contains(&number[2..]));
        }
        Err(PhoneNumberError::Formatted { suggestion }) => {
            assert!(
                PhoneNumber::parse(&suggestion).is_ok(),
                "a suggested number is accepted as it is"
            );
        }
        Err(_) => {}
    }
});
