//! One journey in real headless Chromium: open the demo dashboard, switch to
//! Mongolian, see Cyrillic, follow a link to a licence page; then log in as a
//! coordinator (cookies, CSRF token), see a reporter the public cannot, upload a photo
//! through a record's form and see its capture metadata, and log out.

use std::io::{BufRead as _, BufReader};
use std::process::{Child, Command, Stdio};

use fantoccini::{ClientBuilder, Locator};
use minewatch_testing::{free_port, skip_or_fail};

use crate::TestApp;

const CHROMIUM: &str = "/usr/bin/chromium";
const CHROMEDRIVER: &str = "/usr/bin/chromedriver";

/// Kills chromedriver (and with it the browser) however the test ends.
struct Driver(Child);

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts chromedriver and waits for its "started successfully" line.
fn start_driver(port: u16) -> Driver {
    let mut child = Command::new(CHROMEDRIVER)
        .arg(format!("--port={port}"))
        .arg("--allowed-ips=127.0.0.1")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("starting chromedriver");
    let stdout = child.stdout.take().expect("chromedriver's stdout is piped");
    let driver = Driver(child);
    for line in BufReader::new(stdout).lines() {
        let line = line.expect("reading chromedriver's output");
        if line.contains("started successfully") {
            return driver;
        }
    }
    panic!("chromedriver exited before it was ready");
}

#[tokio::test]
async fn dashboard_to_mongolian_to_a_licence_page_in_chromium() {
    if !std::path::Path::new(CHROMIUM).exists() || !std::path::Path::new(CHROMEDRIVER).exists() {
        skip_or_fail(
            "browser tests",
            "install chromium and chromium-driver (apt-get install chromium chromium-driver)",
        );
        return;
    }
    let app = TestApp::demo().await;
    let password = app
        .add_user(
            "coord-tuul",
            minewatch_domain::Role::Coordinator,
            minewatch_domain::Scope::Community(
                minewatch_domain::RecordId::parse("demo-community-zaamar-tuul").unwrap(),
            ),
        )
        .await;
    let reporter = app
        .store
        .get(&minewatch_domain::RecordId::parse("demo-obs-1").unwrap())
        .await
        .unwrap()
        .payload["reporter"]["name"]
        .as_str()
        .unwrap()
        .to_owned();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(minewatch_web::serve(listener, app.state(), async {
        let _ = stopped.await;
    }));

    let port = free_port();
    let _driver = tokio::task::spawn_blocking(move || start_driver(port))
        .await
        .unwrap();
    let profile = tempfile::tempdir().unwrap();
    let caps = serde_json::json!({
        "browserName": "chrome",
        "goog:chromeOptions": {
            "binary": CHROMIUM,
            "args": [
                "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--disable-quic", "--no-first-run", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--window-size=360,740",
                "--lang=en-US", format!("--user-data-dir={}", profile.path().display())
            ],
            "prefs": {"intl.accept_languages": "en-US,en"},
            // A cheap phone's screen: 360 CSS pixels wide.
            "mobileEmulation": {"deviceMetrics": {"width": 360, "height": 740, "pixelRatio": 2.0}}
        }
    });
    let caps = caps.as_object().unwrap().clone().into_iter().collect();
    let client = ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
        .capabilities(caps)
        .connect(&format!("http://127.0.0.1:{port}"))
        .await
        .expect("a WebDriver session with Chromium");

    // Chromium takes only a canonical path for a file input.
    let photo = std::fs::canonicalize(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../minewatch-formats/tests/data/dust.jpg"
    ))
    .unwrap()
    .display()
    .to_string();
    let journey = async {
        client.goto(&format!("{base}/")).await?;
        let heading = client.find(Locator::Css("h1")).await?.text().await?;
        assert!(heading.contains("Tuul–Erdenetsagaan"), "{heading}");
        assert!(client.source().await?.contains("Dashboard"));

        client.find(Locator::Id("lang-mn")).await?.click().await?;
        client
            .wait()
            .for_element(Locator::Css("html[lang=mn]"))
            .await?;
        let nav = client.find(Locator::Css("nav")).await?.text().await?;
        assert!(
            nav.contains("Тусгай зөвшөөрөл"),
            "Mongolian navigation: {nav}"
        );
        assert!(
            nav.chars().any(|c| ('\u{0400}'..='\u{04FF}').contains(&c)),
            "Cyrillic text: {nav}"
        );

        client
            .find(Locator::Css("a[href='/licences']"))
            .await?
            .click()
            .await?;
        client
            .wait()
            .for_element(Locator::Css("ul.records"))
            .await?;
        client
            .find(Locator::LinkText("MV-900101"))
            .await?
            .click()
            .await?;
        client.wait().for_element(Locator::Css("dl.fields")).await?;
        assert!(
            client
                .current_url()
                .await?
                .path()
                .ends_with("/licences/demo-licence-mv900101")
        );
        let page = client.find(Locator::Css("main")).await?.text().await?;
        assert!(page.contains("Тусгай зөвшөөрлийн дугаар"), "{page}");
        assert!(
            page.contains("Туул Шар Алт ХХК (зохиомол)"),
            "the holder in Mongolian: {page}"
        );
        // Usable at 360 px: nothing wider than the screen.
        let widths = client
            .execute(
                "return [window.innerWidth, document.documentElement.scrollWidth]",
                vec![],
            )
            .await?;
        assert_eq!(widths[0], 360, "the viewport is a phone's");
        assert!(
            widths[1].as_i64().unwrap_or(9999) <= 360,
            "page is wider than the screen: {widths}"
        );

        // The public report page does not name the reporter.
        client
            .goto(&format!("{base}/observations/demo-obs-1"))
            .await?;
        assert!(!client.source().await?.contains(&reporter));
        // Log in through the form: a real browser keeps the cookies and sends the token.
        client
            .find(Locator::Id("login-link"))
            .await?
            .click()
            .await?;
        client.wait().for_element(Locator::Id("username")).await?;
        client
            .find(Locator::Id("username"))
            .await?
            .send_keys("coord-tuul")
            .await?;
        client
            .find(Locator::Id("password"))
            .await?
            .send_keys(&password)
            .await?;
        client
            .find(Locator::Id("login-submit"))
            .await?
            .click()
            .await?;
        client
            .wait()
            .for_element(Locator::Css("form[action='/logout']"))
            .await?;
        client
            .goto(&format!("{base}/observations/demo-obs-1"))
            .await?;
        let page = client.find(Locator::Css("main")).await?.text().await?;
        assert!(
            page.contains(&reporter),
            "the case team sees the reporter: {page}"
        );
        let width = client
            .execute("return document.documentElement.scrollWidth", vec![])
            .await?;
        if width.as_i64().unwrap_or(9999) > 360 {
            let wide = client
                .execute(
                    "return [...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right > 361).slice(0, 8).map(e => e.tagName + '.' + e.className + '#' + e.id + ' ' + Math.round(e.getBoundingClientRect().right)).join(' | ')",
                    vec![],
                )
                .await?;
            panic!("signed-in page is {width} wide: {wide}");
        }
        // A photo through the record page's upload form: the browser sends the file
        // as multipart, the CSRF token rides in the form's action.
        client
            .find(Locator::Css("#media-upload input[name='caption']"))
            .await?
            .send_keys("Silt below the washing plant")
            .await?;
        client
            .find(Locator::Css("#media-upload input[type='file']"))
            .await?
            .send_keys(&photo)
            .await?;
        client
            .find(Locator::Css("#media-upload button[type='submit']"))
            .await?
            .click()
            .await?;
        client.wait().for_element(Locator::Id("media-added")).await?;
        let page = client.find(Locator::Css("main")).await?.text().await?;
        for shown in ["Silt below the washing plant", "47.70430, 105.91240", "TestPhone TP-1 (fixture)"] {
            assert!(page.contains(shown), "the item's page shows {shown:?}: {page}");
        }
        client
            .find(Locator::Css("form[action='/logout'] button"))
            .await?
            .click()
            .await?;
        client.wait().for_element(Locator::Id("login-link")).await?;
        client
            .goto(&format!("{base}/observations/demo-obs-1"))
            .await?;
        assert!(!client.source().await?.contains(&reporter), "logged out");
        Ok::<(), fantoccini::error::CmdError>(())
    }
    .await;
    let _ = client.close().await;
    let _ = stop.send(());
    server.await.unwrap().unwrap();
    journey.expect("the browser journey");
}
