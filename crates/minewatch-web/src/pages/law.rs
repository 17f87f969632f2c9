//! The law library: laws → articles → duties, with sources and confidence.

use askama::Template;
use axum::extract::{Query, State};
use axum::response::{Html, IntoResponse, Response};
use minewatch_domain::law::pack::{Basis, Duty};
use serde::Deserialize;

use crate::AppState;
use crate::error::{OrPage, PageError};
use crate::i18n::Ui;
use crate::templates::{ArticleView, DutyView, LawPage, LawView, WaterZoneView};

type PageResult = Result<Response, PageError>;

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct SearchParams {
    q: String,
}

fn duty_view(ui: &Ui, d: &Duty) -> DutyView {
    DutyView {
        id: d.id.clone(),
        title: ui.pick(&d.title).to_owned(),
        kind: ui.t(&format!("duty-kind-{}", d.kind.as_str())),
        policy: d.basis == Basis::Policy,
        basis_note: d
            .basis_note
            .as_ref()
            .map(|n| ui.pick(n).to_owned())
            .unwrap_or_default(),
        next_step: ui.pick(&d.next_step).to_owned(),
        source: d.source.clone(),
        confidence: ui.t(&format!("confidence-{}", d.confidence.as_str())),
    }
}

/// Laws, their articles and the duties each article grounds; `?q=` searches all text.
pub async fn library(
    State(state): State<AppState>,
    ui: Ui,
    Query(params): Query<SearchParams>,
) -> PageResult {
    let pack = &state.pack;
    let q = params.q.trim().to_lowercase();
    let hit = |texts: &[&str]| q.is_empty() || texts.iter().any(|t| t.to_lowercase().contains(&q));
    let duty_texts = |d: &Duty| {
        [
            d.id.clone(),
            d.title.mn.clone().unwrap_or_default(),
            d.title.en.clone().unwrap_or_default(),
            d.source.clone(),
        ]
    };
    let mut laws = Vec::new();
    for law in &pack.laws {
        let law_hit = hit(&[
            law.title.mn.as_deref().unwrap_or(""),
            law.title.en.as_deref().unwrap_or(""),
            &law.source,
        ]);
        let mut articles = Vec::new();
        for a in pack.articles.iter().filter(|a| a.law == law.id) {
            let duties: Vec<&Duty> = pack
                .duties
                .iter()
                .filter(|d| d.articles.contains(&a.id))
                .collect();
            let article_hit = law_hit
                || hit(&[
                    &a.citation,
                    a.summary.mn.as_deref().unwrap_or(""),
                    a.summary.en.as_deref().unwrap_or(""),
                ])
                || duties.iter().any(|d| {
                    let t = duty_texts(d);
                    hit(&[&t[0], &t[1], &t[2], &t[3]])
                });
            if article_hit {
                articles.push(ArticleView {
                    citation: a.citation.clone(),
                    summary: ui.pick(&a.summary).to_owned(),
                    source: a.source.clone(),
                    confidence: ui.t(&format!("confidence-{}", a.confidence.as_str())),
                    duties: duties.iter().map(|d| duty_view(&ui, d)).collect(),
                });
            }
        }
        let water_zones: Vec<WaterZoneView> = pack
            .water_zones
            .iter()
            .filter(|w| w.law == law.id)
            .map(|w| {
                let water = w
                    .water
                    .iter()
                    .map(|k| ui.t(&format!("water-kind-{k}")))
                    .collect::<Vec<_>>()
                    .join(", ");
                WaterZoneView {
                    title: ui.pick(&w.title).to_owned(),
                    width: match w.metres {
                        Some(m) => ui.t_args(
                            "law-water-zone-width",
                            &[("metres", m.to_string()), ("water", water)],
                        ),
                        None => ui.t_args("law-water-zone-unknown", &[("water", water)]),
                    },
                    source: w.source.clone(),
                    confidence: ui.t(&format!("confidence-{}", w.confidence.as_str())),
                    note: w.note.clone().unwrap_or_default(),
                }
            })
            .collect();
        if law_hit || !articles.is_empty() {
            laws.push(LawView {
                title: ui.pick(&law.title).to_owned(),
                date: law.date.map(|d| d.to_string()).unwrap_or_default(),
                source: law.source.clone(),
                confidence: ui.t(&format!("confidence-{}", law.confidence.as_str())),
                note: law.note.clone().unwrap_or_default(),
                articles,
                water_zones,
            });
        }
    }
    let policy: Vec<DutyView> = pack
        .duties
        .iter()
        .filter(|d| d.articles.is_empty())
        .filter(|d| {
            let t = duty_texts(d);
            hit(&[&t[0], &t[1], &t[2], &t[3]])
        })
        .map(|d| duty_view(&ui, d))
        .collect();
    let page = LawPage {
        ui: &ui,
        query: params.q.clone(),
        laws,
        policy,
        pack_name: ui.pick(&pack.info.name).to_owned(),
        version: pack.info.version.clone(),
    };
    Ok(Html(page.render().page(&ui)?).into_response())
}
