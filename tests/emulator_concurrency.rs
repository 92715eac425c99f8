//! One challenge verified by 100 requests at once with the right code:
//! exactly one is valid and every other one gets 422 because the challenge
//! was already verified.

#![allow(clippy::expect_used, clippy::unwrap_used)]

mod common;

use common::{challenge, enroll_generic_otp, sdk, start_emulator, verify};

const REQUESTS: usize = 100;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_verifies_succeed_once() {
    let (emulator, config) = start_emulator().await;
    let client = sdk(&emulator.base_url, &config.api_key);
    let factor = enroll_generic_otp(&client, None).await;
    let created = challenge(&client, &factor.id).await;
    let code = created.code.expect("generic_otp code").expose().to_owned();

    let start = std::sync::Arc::new(tokio::sync::Barrier::new(REQUESTS));
    let mut tasks = Vec::with_capacity(REQUESTS);
    for _ in 0..REQUESTS {
        let client = client.clone();
        let challenge_id = created.id.clone();
        let code = code.clone();
        let start = start.clone();
        tasks.push(tokio::spawn(async move {
            start.wait().await;
            verify(&client, &challenge_id, &code).await
        }));
    }

    let mut valid = 0;
    let mut previously_verified = 0;
    for task in tasks {
        match task.await.expect("task finishes") {
            Ok(outcome) => {
                assert!(outcome.valid, "the right code is never valid: false");
                valid += 1;
            }
            Err(error) => {
                assert_eq!(error.status(), Some(422), "{error}");
                assert_eq!(
                    error.code(),
                    Some("authentication_challenge_previously_verified")
                );
                previously_verified += 1;
            }
        }
    }
    assert_eq!(valid, 1);
    assert_eq!(previously_verified, REQUESTS - 1);
}
