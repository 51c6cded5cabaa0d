//! Rules for the small tables of the catalogue: surfaces, statuses, limits,
//! headers and conventions, retired codes and troubleshooting.

use super::is_snake;
use super::outcomes::outcome_refs;
use crate::{Catalog, Diagnostic};
use std::collections::HashSet;

pub(super) fn surfaces(cat: &Catalog, d: &mut Vec<Diagnostic>) {
    let mut seen = HashSet::new();
    for (i, s) in cat.surfaces.iter().enumerate() {
        let at = |f: &str| format!("surfaces.{i}.{f}");
        if !seen.insert(s.name.as_str()) {
            d.push(cat.diag_surfaces(
                &at("name"),
                format!("surface `{}` is declared twice; keep one", s.name),
            ));
        }
        for (j, st) in s.statuses.iter().enumerate() {
            if cat.status(*st).is_none() {
                d.push(cat.diag_surfaces(&at(&format!("statuses.{j}")), format!(
                    "status {st} is not in catalog/statuses.yaml; add it there or remove it here"
                )));
            }
        }
        for (j, h) in s.headers.iter().enumerate() {
            if cat.header(h).is_none() {
                d.push(cat.diag_surfaces(&at(&format!("headers.{j}")), format!(
                    "header `{h}` is not in catalog/limits.yaml; add it under `headers:` or fix the id"
                )));
            }
        }
        if s.description.trim().is_empty() {
            d.push(cat.diag_surfaces(
                &at("description"),
                "the description is empty; write a paragraph for the reference page",
            ));
        }
    }
}

pub(super) fn statuses(cat: &Catalog, d: &mut Vec<Diagnostic>) {
    let mut seen = HashSet::new();
    for (i, s) in cat.statuses.iter().enumerate() {
        let at = |f: &str| format!("statuses.{i}.{f}");
        if !(100..=599).contains(&s.status) {
            d.push(cat.diag_statuses(
                &at("status"),
                format!("{} is not an HTTP status; use 100 to 599", s.status),
            ));
        }
        if !seen.insert(s.status) {
            d.push(cat.diag_statuses(
                &at("status"),
                format!("status {} is declared twice; keep one", s.status),
            ));
        }
        if s.status >= 400 {
            if s.causes.is_empty() {
                d.push(cat.diag_statuses(
                    &at("causes"),
                    format!("status {} has no causes; list at least one", s.status),
                ));
            }
            if s.resolution.trim().is_empty() {
                d.push(cat.diag_statuses(
                    &at("resolution"),
                    format!(
                        "status {} has an empty resolution; say what the caller should do",
                        s.status
                    ),
                ));
            }
        }
    }
}

pub(super) fn limits(cat: &Catalog, d: &mut Vec<Diagnostic>) {
    let mut seen = HashSet::new();
    for (i, l) in cat.limits.limits.iter().enumerate() {
        if !is_snake(&l.id) {
            d.push(cat.diag_limits(
                &format!("limits.{i}.id"),
                format!("limit id `{}` is not snake_case; rename it", l.id),
            ));
        }
        if !seen.insert(l.id.as_str()) {
            d.push(cat.diag_limits(
                &format!("limits.{i}.id"),
                format!("limit `{}` is declared twice; keep one", l.id),
            ));
        }
        if let Some(s) = &l.surface
            && cat.surface(s).is_none()
        {
            d.push(cat.diag_limits(
                &format!("limits.{i}.surface"),
                format!("unknown surface `{s}`; use a name from catalog/surfaces.yaml"),
            ));
        }
    }
    let mut seen = HashSet::new();
    for (i, h) in cat.limits.headers.iter().enumerate() {
        if !is_snake(&h.id) || !seen.insert(h.id.as_str()) {
            d.push(cat.diag_limits(
                &format!("headers.{i}.id"),
                format!("header id `{}` must be unique snake_case; rename it", h.id),
            ));
        }
    }
    let mut seen = HashSet::new();
    for (i, c) in cat.limits.conventions.iter().enumerate() {
        if !is_snake(&c.id) || !seen.insert(c.id.as_str()) {
            d.push(cat.diag_limits(
                &format!("conventions.{i}.id"),
                format!(
                    "convention id `{}` must be unique snake_case; rename it",
                    c.id
                ),
            ));
        }
    }
}

pub(super) fn retired(cat: &Catalog, d: &mut Vec<Diagnostic>) {
    let mut seen = HashSet::new();
    for (s, r, o) in &cat.retired {
        if r.reason.trim().is_empty() {
            d.push(cat.diag_at(
                o,
                "reason",
                format!("retired code {} needs a reason; say why it left", r.code),
            ));
        }
        if !seen.insert((s.clone(), r.code.to_string())) {
            d.push(cat.diag_at(
                o,
                "code",
                format!("code {} is retired twice; keep one", r.code),
            ));
        }
    }
}

pub(super) fn troubleshooting(cat: &Catalog, d: &mut Vec<Diagnostic>) {
    let refs = outcome_refs(&cat.outcomes);
    let mut seen = HashSet::new();
    for (i, s) in cat.troubleshooting.sections.iter().enumerate() {
        if let Some(sf) = &s.surface
            && cat.surface(sf).is_none()
        {
            d.push(cat.diag_troubleshooting(
                &format!("sections.{i}.surface"),
                format!("unknown surface `{sf}`; use a name from catalog/surfaces.yaml"),
            ));
        }
        for (j, y) in s.symptoms.iter().enumerate() {
            let at = |f: &str| format!("sections.{i}.symptoms.{j}.{f}");
            if !is_snake(&y.id) || !seen.insert(y.id.as_str()) {
                d.push(cat.diag_troubleshooting(
                    &at("id"),
                    format!("symptom id `{}` must be unique snake_case; rename it", y.id),
                ));
            }
            if y.causes.is_empty() && y.solutions.is_empty() {
                d.push(cat.diag_troubleshooting(
                    &at("id"),
                    format!(
                        "symptom `{}` has neither causes nor solutions; add them",
                        y.id
                    ),
                ));
            }
            for (k, e) in y.errors.iter().enumerate() {
                if cat.error(e).is_none() {
                    d.push(cat.diag_troubleshooting(
                        &at(&format!("errors.{k}")),
                        format!("unknown error id `{e}`; use an id from catalog/errors/"),
                    ));
                }
            }
            for (k, r) in y.outcomes.iter().enumerate() {
                if !refs.contains_key(r) {
                    d.push(cat.diag_troubleshooting(&at(&format!("outcomes.{k}")), format!("unknown outcome `{r}`; write kind:key, e.g. rejection_reasons:name_mismatch")));
                }
            }
        }
    }
}
