//! The User Management factor endpoints through the official `workos` crate:
//! TOTP enrollment with a first challenge, caller-supplied secrets, and the
//! cursor-paginated list.

#![allow(clippy::expect_used, clippy::unwrap_used)]

mod common;

use common::{Http, api_error, enroll_sms, error_body, freeze_clock, sdk, start_emulator, verify};
use futures_util::TryStreamExt as _;
use mfa_console::totp;
use workos::multi_factor_auth::{CreateUserAuthFactorParams, ListUserAuthFactorsParams};
use workos::{EnrollUserAuthenticationFactor, PaginationOrder, SecretString};

const USER: &str = "user_01E4ZCR3C56J083X43JQXF3JK5";

fn totp_request(
    issuer: Option<&str>,
    user: Option<&str>,
    secret: Option<&str>,
) -> CreateUserAuthFactorParams {
    CreateUserAuthFactorParams::new(EnrollUserAuthenticationFactor {
        type_: "totp".to_owned(),
        totp_issuer: issuer.map(str::to_owned),
        totp_user: user.map(str::to_owned),
        totp_secret: secret.map(SecretString::new),
    })
}

async fn create(
    client: &workos::Client,
    user_id: &str,
    params: CreateUserAuthFactorParams,
) -> Result<workos::UserAuthenticationFactorEnrollResponse, workos::Error> {
    client
        .multi_factor_auth()
        .create_user_auth_factor(user_id, params)
        .await
}

async fn list(
    client: &workos::Client,
    params: ListUserAuthFactorsParams,
) -> Result<workos::UserAuthenticationFactorList, workos::Error> {
    client
        .multi_factor_auth()
        .list_user_auth_factors(USER, params)
        .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn enroll_returns_factor_and_challenge() {
    let (emulator, config) = start_emulator().await;
    let client = sdk(&emulator.base_url, &config.api_key);

    let created = create(&client, USER, totp_request(None, None, None))
        .await
        .expect("enrollment succeeds");
    let factor = &created.authentication_factor;
    assert!(factor.id.starts_with("auth_factor_"));
    assert_eq!(factor.user_id.as_deref(), Some(USER));
    let totp_data = factor.totp.as_ref().expect("totp data");
    assert_eq!(totp_data.issuer, "mfa-console emulator", "default issuer");
    assert_eq!(totp_data.user, USER, "default user is the user ID");
    assert_eq!(totp_data.secret.expose().len(), 32);
    assert!(totp_data.uri.expose().starts_with("otpauth://totp/"));

    let challenge = &created.authentication_challenge;
    assert_eq!(challenge.authentication_factor_id, factor.id);
    assert!(challenge.expires_at.is_some());
    assert!(challenge.code.is_none(), "a TOTP challenge has no code");

    let code = totp::code_at(totp_data.secret.expose(), common::unix_now()).unwrap();
    let outcome = verify(&client, &challenge.id, &code).await.expect("verify");
    assert!(outcome.valid);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn supplied_secret_verifies() {
    let (emulator, config) = start_emulator().await;
    let client = sdk(&emulator.base_url, &config.api_key);
    let http = Http::new(&emulator, &config);
    let now = freeze_clock(&http).await;

    let created = create(
        &client,
        USER,
        totp_request(
            Some("Acme"),
            Some("ada@example.com"),
            Some("jbswy3dpehpk3pxp"),
        ),
    )
    .await
    .expect("enrollment with a supplied secret succeeds");
    let totp_data = created.authentication_factor.totp.as_ref().unwrap();
    assert_eq!(totp_data.secret.expose(), "JBSWY3DPEHPK3PXP");
    assert_eq!(totp_data.issuer, "Acme");
    assert_eq!(totp_data.user, "ada@example.com");

    let code = totp::code_at("JBSWY3DPEHPK3PXP", now).unwrap();
    let outcome = verify(&client, &created.authentication_challenge.id, &code)
        .await
        .expect("verify");
    assert!(outcome.valid, "the supplied secret decides the code");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_enrollments_are_rejected() {
    let (emulator, config) = start_emulator().await;
    let client = sdk(&emulator.base_url, &config.api_key);

    for (secret, reason) in [
        ("JBSW Y3DP EHPK 3PXP", "spaces"),
        ("JBSWY3DP", "40 bits"),
        ("JBSWY3DPEHPK3PX!", "not Base32"),
    ] {
        let error = create(&client, USER, totp_request(None, None, Some(secret)))
            .await
            .expect_err("a bad secret is rejected");
        assert_eq!(api_error(&error).status, 422, "{reason}");
        let body = error_body(&error);
        assert_eq!(body["errors"][0]["field"], "totp_secret", "{reason}");
        assert!(
            !body.to_string().contains(secret),
            "the error repeats the secret: {body}"
        );
    }

    let mut params = totp_request(None, None, None);
    params.body.type_ = "sms".to_owned();
    let error = create(&client, USER, params).await.expect_err("only totp");
    assert_eq!(error_body(&error)["errors"][0]["field"], "type");

    let error = create(&client, "bob", totp_request(None, None, None))
        .await
        .expect_err("bob is not a user ID");
    assert_eq!(api_error(&error).status, 404);
    assert_eq!(error_body(&error)["entity_id"], "bob");

    let error = create(&client, USER, totp_request(Some(" "), None, None))
        .await
        .expect_err("a blank issuer is rejected");
    assert_eq!(error_body(&error)["errors"][0]["field"], "totp_issuer");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn list_pages_with_cursors() {
    let (emulator, config) = start_emulator().await;
    let client = sdk(&emulator.base_url, &config.api_key);
    let http = Http::new(&emulator, &config);
    freeze_clock(&http).await;

    let empty = list(&client, ListUserAuthFactorsParams::default())
        .await
        .expect("a new user has an empty list");
    assert_eq!(empty.object, "list");
    assert!(empty.data.is_empty());
    assert_eq!(empty.list_metadata.before, None);
    assert_eq!(empty.list_metadata.after, None);

    let mut enrolled = Vec::new();
    for _ in 0..12 {
        let created = create(&client, USER, totp_request(None, None, None))
            .await
            .unwrap();
        enrolled.push(created.authentication_factor.id);
    }
    create(
        &client,
        "user_01SOMEONEELSE",
        totp_request(None, None, None),
    )
    .await
    .unwrap();

    let first = list(&client, ListUserAuthFactorsParams::default())
        .await
        .unwrap();
    let first_ids: Vec<&str> = first.data.iter().map(|factor| factor.id.as_str()).collect();
    let newest: Vec<&str> = enrolled.iter().rev().take(10).map(String::as_str).collect();
    assert_eq!(first_ids, newest, "ten newest first by default");
    assert!(first.data.iter().all(|factor| factor.totp.is_some()));
    assert_eq!(first.list_metadata.before, None);
    assert_eq!(
        first.list_metadata.after.as_deref(),
        Some(enrolled[2].as_str())
    );

    let second = list(
        &client,
        ListUserAuthFactorsParams {
            after: first.list_metadata.after.clone(),
            ..ListUserAuthFactorsParams::default()
        },
    )
    .await
    .unwrap();
    let second_ids: Vec<&str> = second
        .data
        .iter()
        .map(|factor| factor.id.as_str())
        .collect();
    assert_eq!(second_ids, [enrolled[1].as_str(), enrolled[0].as_str()]);
    assert_eq!(second.list_metadata.after, None);
    assert_eq!(
        second.list_metadata.before.as_deref(),
        Some(enrolled[1].as_str())
    );

    let ascending = list(
        &client,
        ListUserAuthFactorsParams {
            limit: Some(5),
            order: Some(PaginationOrder::Asc),
            before: Some(enrolled[7].clone()),
            after: None,
        },
    )
    .await
    .unwrap();
    let ascending_ids: Vec<&str> = ascending
        .data
        .iter()
        .map(|factor| factor.id.as_str())
        .collect();
    let expected: Vec<&str> = enrolled[2..7].iter().map(String::as_str).collect();
    assert_eq!(ascending_ids, expected);

    let everything: Vec<workos::AuthenticationFactor> = client
        .multi_factor_auth()
        .list_user_auth_factors_auto_paging(
            USER,
            ListUserAuthFactorsParams {
                limit: Some(5),
                ..ListUserAuthFactorsParams::default()
            },
        )
        .try_collect()
        .await
        .expect("auto-paging walks every page");
    assert_eq!(everything.len(), 12);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn list_includes_factors_enrolled_elsewhere() {
    let (emulator, config) = start_emulator().await;
    let client = sdk(&emulator.base_url, &config.api_key);
    let sms = common::enroll(
        &client,
        workos::AuthenticationFactorsCreateRequest {
            type_: workos::AuthenticationFactorsCreateRequestType::Sms,
            phone_number: Some("+15005550006".to_owned()),
            totp_issuer: None,
            totp_user: None,
            user_id: Some(USER.to_owned()),
        },
    )
    .await
    .unwrap();
    enroll_sms(&client, "+15005550006").await.unwrap();

    let listed = list(&client, ListUserAuthFactorsParams::default())
        .await
        .unwrap();
    assert_eq!(listed.data.len(), 1, "only the factor with this user_id");
    assert_eq!(listed.data[0].id, sms.id);
    assert_eq!(
        listed.data[0].sms.as_ref().unwrap().phone_number,
        "+15005550006"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_list_parameters_are_rejected() {
    let (emulator, config) = start_emulator().await;
    let client = sdk(&emulator.base_url, &config.api_key);
    let http = Http::new(&emulator, &config);

    for limit in [0, 101] {
        let error = list(
            &client,
            ListUserAuthFactorsParams {
                limit: Some(limit),
                ..ListUserAuthFactorsParams::default()
            },
        )
        .await
        .expect_err("limit out of range");
        assert_eq!(api_error(&error).status, 422, "limit={limit}");
        assert_eq!(error.code(), Some("invalid_request_parameters"));
        assert_eq!(error_body(&error)["errors"][0]["field"], "limit");
    }

    let path = format!("/user_management/users/{USER}/auth_factors");
    for (query, field) in [
        ("order=sideways", "order"),
        ("limit=ten", "limit"),
        ("after=auth_factor_01NOTINLIST", "after"),
        ("before=auth_factor_01A&after=auth_factor_01B", "before"),
    ] {
        let (status, body) = http.get(&format!("{path}?{query}")).await;
        assert_eq!(status, 422, "{query}");
        assert_eq!(body["code"], "invalid_request_parameters", "{query}");
        assert_eq!(body["errors"][0]["field"], field, "{query}");
    }
}
