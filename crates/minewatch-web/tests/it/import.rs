//! The import page: upload, preview (a dry run), import, and who may.

use axum::body::Body;
use axum::http::{Request, StatusCode};
use minewatch_domain::{Role, Scope};

use crate::{Client, Reply, TestApp};

/// Posts a file as a browser's form does, with the fields in document order.
async fn upload(
    client: &Client<'_>,
    csrf: Option<&str>,
    kind: &str,
    name: &str,
    bytes: &[u8],
) -> Reply {
    let boundary = "----MinewatchBoundaryXyZ09";
    let mut body = Vec::new();
    let mut field = |disposition: &str, value: &[u8]| {
        body.extend_from_slice(
            format!("--{boundary}\r\nContent-Disposition: form-data; {disposition}\r\n").as_bytes(),
        );
        if disposition.contains("filename") {
            body.extend_from_slice(b"Content-Type: text/csv\r\n");
        }
        body.extend_from_slice(b"\r\n");
        body.extend_from_slice(value);
        body.extend_from_slice(b"\r\n");
    };
    if let Some(token) = csrf {
        field("name=\"csrf\"", token.as_bytes());
    }
    field("name=\"kind\"", kind.as_bytes());
    field(&format!("name=\"file\"; filename=\"{name}\""), bytes);
    field("name=\"encoding\"", b"");
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    let request = Request::post("/import")
        .header(
            "content-type",
            format!("multipart/form-data; boundary={boundary}"),
        )
        .header("accept-language", "en")
        .body(Body::from(body))
        .unwrap();
    client.send(request).await
}

fn token(body: &str) -> String {
    let marker = "name=\"token\" value=\"";
    let start = body.find(marker).expect("an import form") + marker.len();
    body[start..start + 32].to_owned()
}

#[tokio::test]
async fn a_coordinator_previews_then_imports_and_nothing_is_written_before() {
    let app = TestApp::demo().await;
    let client = app
        .signed_in("coord", Role::Coordinator, Scope::Workspace)
        .await;
    let form = client.get("/import").await;
    assert_eq!(form.status, StatusCode::OK, "{}", form.body);
    assert!(
        form.body.contains("enctype=\"multipart/form-data\""),
        "{}",
        form.body
    );
    let csrf = client.csrf().await;

    let csv = "number,holder_id,aimag.mn,soum.mn,status,granted\n\
               MV-700001,DEMO-0000001,Төв,Заамар,granted,01.03.2020\n\
               MV-700002,demo-company-tuul-gold,Төв,Заамар,granted,2020-03-02\n";
    let before = app.entries().await;
    let preview = upload(
        &client,
        Some(&csrf),
        "licence",
        "licences.csv",
        csv.as_bytes(),
    )
    .await;
    assert_eq!(preview.status, StatusCode::OK, "{}", preview.body);
    assert!(
        preview.body.contains("Rows to import: 2 · new: 2"),
        "{}",
        preview.body
    );
    assert!(
        preview.body.contains("<th scope=\"row\">line 3</th>"),
        "the rows as read: {}",
        preview.body
    );
    assert!(preview.body.contains("01.03.2020"), "{}", preview.body);
    assert_eq!(app.entries().await, before, "a preview writes nothing");

    let t = token(&preview.body);
    let done = client
        .post_form("/import/confirm", &format!("token={t}"))
        .await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.body);
    assert!(
        done.body.contains("Imported rows: 2 · new: 2"),
        "{}",
        done.body
    );
    assert_eq!(app.entries().await, before + 2);
    let list = client.get("/licences").await;
    assert!(
        list.body.contains("MV-700001") && list.body.contains("MV-700002"),
        "{}",
        list.body
    );
    // A token imports once.
    let again = client
        .post_form("/import/confirm", &format!("token={t}"))
        .await;
    assert_eq!(again.status, StatusCode::GONE);
    assert_eq!(app.entries().await, before + 2);

    // A file with a bad row: every problem named, no import form, nothing written.
    let bad = "number,holder_id,aimag.mn,soum.mn,status,granted\n\
               MV-700003,DEMO-0000001,Төв,Заамар,granted,2020-03-01\n\
               MV-700004,nobody,Төв,Заамар,granted,31.02.2020\n";
    let reply = upload(&client, Some(&csrf), "licence", "bad.csv", bad.as_bytes()).await;
    assert_eq!(reply.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        reply.body.contains("line 3, column granted"),
        "{}",
        reply.body
    );
    assert!(
        reply
            .body
            .contains("line 3, column holder_id: unknown company"),
        "{}",
        reply.body
    );
    assert!(!reply.body.contains("name=\"token\""), "{}", reply.body);
    assert_eq!(app.entries().await, before + 2);
}

#[tokio::test]
async fn only_workspace_coordinators_and_admins_import_and_only_from_our_page() {
    let app = TestApp::demo().await;
    let csv = b"name.en,registration_number\nNew LLC,R-1\n";
    // Anonymous: asked to log in; a paralegal or a community-scoped coordinator: refused.
    let anon = app.client();
    assert_ne!(anon.get("/import").await.status, StatusCode::OK);
    for (name, role, scope) in [
        ("para", Role::Paralegal, Scope::Workspace),
        (
            "local",
            Role::Coordinator,
            Scope::Community(
                minewatch_domain::RecordId::parse("demo-community-zaamar-centre").unwrap(),
            ),
        ),
    ] {
        let pw = app.add_user(name, role, scope).await;
        let c = app.login(name, &pw).await;
        assert_eq!(
            c.get("/import").await.status,
            StatusCode::FORBIDDEN,
            "{name}"
        );
        let csrf = c.csrf().await;
        let r = upload(&c, Some(&csrf), "company", "c.csv", csv).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{name}");
    }
    // Without the CSRF token, even an admin's upload is refused.
    let admin = app.signed_in("boss", Role::Admin, Scope::Workspace).await;
    let r = upload(&admin, None, "company", "c.csv", csv).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
    let csrf = admin.csrf().await;
    let r = upload(&admin, Some(&csrf), "company", "c.csv", csv).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
}
