//! Outgoing mail: requests sent by email and reminders to requesters.
//!
//! [`Mailer`] is what the request workflow needs; [`SmtpMailer`] is the real one
//! (SMTP through lettre, STARTTLS required unless the server is on loopback). Settings
//! live in the `[mail]` table of `minewatch.toml`:
//!
//! ```toml
//! [mail]
//! host = "smtp.example.org"
//! port = 587                      # default 587
//! security = "starttls"           # starttls (default) | tls | none (loopback only)
//! username = "coalition"
//! password = "…"
//! from = "Zaamar coalition <coalition@example.org>"
//! ca_file = "/etc/ssl/our-server.pem"   # optional: trust a self-signed server
//! timeout_seconds = 30
//! ```

use std::future::Future;
use std::path::PathBuf;
use std::time::Duration;

use lettre::message::header::ContentType;
use lettre::message::{Mailbox, Message};
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Certificate, Tls, TlsParameters};
use lettre::{AsyncSmtpTransport, AsyncTransport, Tokio1Executor};

/// One message to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutgoingMail {
    pub to: String,
    pub subject: String,
    /// Plain text (UTF-8; Mongolian Cyrillic is sent as quoted-printable or base64).
    pub body: String,
    /// A stable Message-ID (`<request-id.step@host>`), so a resend after a crash can
    /// be recognised as the same message by the receiving server.
    pub message_id: String,
}

/// Sends mail. `Err` carries what the server or the network said, for the request's
/// page; nothing may be reported sent that the server did not accept.
pub trait Mailer: Send + Sync {
    fn send(&self, mail: &OutgoingMail) -> impl Future<Output = Result<(), String>> + Send;
}

/// How the connection is protected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Security {
    /// Plain connection upgraded with STARTTLS, which must succeed.
    Starttls,
    /// TLS from the first byte (port 465).
    Tls,
    /// No encryption: accepted only for a server on loopback (a local relay).
    None,
}

/// The `[mail]` settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MailConfig {
    pub host: String,
    pub port: u16,
    pub security: Security,
    pub username: Option<String>,
    pub password: Option<String>,
    pub from: String,
    pub ca_file: Option<PathBuf>,
    pub timeout: Duration,
}

impl MailConfig {
    /// Reads the `[mail]` table; errors name the key and what was expected.
    pub fn from_table(t: &toml::Table) -> Result<MailConfig, String> {
        let text = |k: &str| -> Result<Option<String>, String> {
            match t.get(k) {
                None => Ok(None),
                Some(toml::Value::String(s)) if !s.trim().is_empty() => Ok(Some(s.clone())),
                Some(_) => Err(format!("mail.{k}: expected text in quotes")),
            }
        };
        let known = [
            "host",
            "port",
            "security",
            "username",
            "password",
            "from",
            "ca_file",
            "timeout_seconds",
        ];
        if let Some(k) = t.keys().find(|k| !known.contains(&k.as_str())) {
            return Err(format!(
                "mail.{k}: unknown setting; known: {}",
                known.join(", ")
            ));
        }
        let host = text("host")?.ok_or("mail.host: required (the SMTP server's name)")?;
        let security = match text("security")?.as_deref() {
            None | Some("starttls") => Security::Starttls,
            Some("tls") => Security::Tls,
            Some("none") => Security::None,
            Some(other) => {
                return Err(format!(
                    "mail.security: {other:?} is not one of starttls, tls, none"
                ));
            }
        };
        if security == Security::None && !is_loopback(&host) {
            return Err(format!(
                "mail.security: \"none\" sends passwords and letters in clear text; it is only \
                 allowed for a server on this machine, not {host:?}"
            ));
        }
        let port = match t.get("port") {
            None => match security {
                Security::Tls => 465,
                _ => 587,
            },
            Some(toml::Value::Integer(n)) if (1..=65535).contains(n) => *n as u16,
            Some(_) => return Err("mail.port: expected a port number, 1 to 65535".into()),
        };
        let from = text("from")?.ok_or("mail.from: required (the sender's address)")?;
        from.parse::<Mailbox>()
            .map_err(|e| format!("mail.from: {from:?} is not an address ({e})"))?;
        let username = text("username")?;
        let password = text("password")?;
        if username.is_some() != password.is_some() {
            return Err("mail.username and mail.password: give both or neither".into());
        }
        let timeout = match t.get("timeout_seconds") {
            None => 30,
            Some(toml::Value::Integer(n)) if (1..=600).contains(n) => *n as u64,
            Some(_) => return Err("mail.timeout_seconds: expected 1 to 600".into()),
        };
        Ok(MailConfig {
            host,
            port,
            security,
            username,
            password,
            from,
            ca_file: text("ca_file")?.map(PathBuf::from),
            timeout: Duration::from_secs(timeout),
        })
    }
}

fn is_loopback(host: &str) -> bool {
    host == "localhost"
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// Sends through an SMTP server.
pub struct SmtpMailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
}

impl SmtpMailer {
    pub fn new(config: &MailConfig) -> Result<SmtpMailer, String> {
        let tls = || -> Result<TlsParameters, String> {
            let mut b = TlsParameters::builder(config.host.clone());
            if let Some(path) = &config.ca_file {
                let pem = std::fs::read(path)
                    .map_err(|e| format!("mail.ca_file: {}: {e}", path.display()))?;
                let cert = Certificate::from_pem(&pem)
                    .map_err(|e| format!("mail.ca_file: {}: {e}", path.display()))?;
                b = b.add_root_certificate(cert);
            }
            b.build().map_err(|e| format!("mail: TLS settings: {e}"))
        };
        let tls = match config.security {
            Security::Starttls => Tls::Required(tls()?),
            Security::Tls => Tls::Wrapper(tls()?),
            Security::None => Tls::None,
        };
        let mut b = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(config.host.clone())
            .port(config.port)
            .tls(tls)
            .timeout(Some(config.timeout));
        if let (Some(u), Some(p)) = (&config.username, &config.password) {
            b = b.credentials(Credentials::new(u.clone(), p.clone()));
        }
        let from = config.from.parse().map_err(|e| format!("mail.from: {e}"))?;
        Ok(SmtpMailer {
            transport: b.build(),
            from,
        })
    }
}

impl Mailer for SmtpMailer {
    async fn send(&self, mail: &OutgoingMail) -> Result<(), String> {
        let to: Mailbox = mail
            .to
            .parse()
            .map_err(|e| format!("{:?} is not an email address ({e})", mail.to))?;
        let message = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(mail.subject.clone())
            .message_id(Some(mail.message_id.clone()))
            .header(ContentType::TEXT_PLAIN)
            .body(mail.body.clone())
            .map_err(|e| format!("cannot build the message: {e}"))?;
        self.transport.send(message).await.map(|_| ()).map_err(|e| {
            let mut text = e.to_string();
            let mut source = std::error::Error::source(&e);
            while let Some(s) = source {
                text.push_str(&format!(": {s}"));
                source = s.source();
            }
            text
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(s: &str) -> toml::Table {
        toml::from_str(s).unwrap()
    }

    #[test]
    fn settings_are_read_with_defaults_and_precise_errors() {
        let c = MailConfig::from_table(&table(
            "host = \"smtp.example.org\"\nfrom = \"Coalition <c@example.org>\"",
        ))
        .unwrap();
        assert_eq!((c.port, c.security), (587, Security::Starttls));
        for (text, wanted) in [
            ("from = \"a@b.c\"", "mail.host: required"),
            ("host = \"x\"\nfrom = \"not an address\"", "mail.from:"),
            ("host = \"x\"\nfrom = \"a@b.c\"\nport = 0", "mail.port:"),
            (
                "host = \"x\"\nfrom = \"a@b.c\"\nsecurity = \"none\"",
                "only allowed for a server on this machine",
            ),
            (
                "host = \"x\"\nfrom = \"a@b.c\"\nusername = \"u\"",
                "give both or neither",
            ),
            (
                "host = \"x\"\nfrom = \"a@b.c\"\nsmtp = 1",
                "mail.smtp: unknown setting",
            ),
        ] {
            let e = MailConfig::from_table(&table(text)).unwrap_err();
            assert!(e.contains(wanted), "{text}: {e}");
        }
        let local = MailConfig::from_table(&table(
            "host = \"127.0.0.1\"\nfrom = \"a@b.c\"\nsecurity = \"none\"\nport = 2525",
        ))
        .unwrap();
        assert_eq!((local.port, local.security), (2525, Security::None));
    }
}
