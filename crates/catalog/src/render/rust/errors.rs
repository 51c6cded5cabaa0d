//! `crates/core/src/generated/errors.rs`: surfaces, statuses, every entry's
//! metadata and one typed enum per surface.

use super::{
    camel, field_ident, header, ident, lit, param_kind, param_type, pretty, strs, surface_variant,
};
use crate::Catalog;
use crate::model::*;
use proc_macro2::{Ident, Literal, TokenStream};
use quote::quote;

/// `crates/core/src/generated/errors.rs`.
pub fn errors(cat: &Catalog) -> String {
    let surface_variants: Vec<Ident> = cat
        .surfaces
        .iter()
        .map(|s| surface_variant(&s.name))
        .collect();
    let surface_names: Vec<Literal> = cat.surfaces.iter().map(|s| lit(&s.name)).collect();
    let surface_titles: Vec<Literal> = cat.surfaces.iter().map(|s| lit(&s.title)).collect();
    let surface_paths: Vec<Literal> = cat.surfaces.iter().map(|s| lit(&s.base_path)).collect();
    let surface_dialects: Vec<TokenStream> = cat
        .surfaces
        .iter()
        .map(|s| {
            let d = ident(&camel(&format!("{:?}", s.dialect)));
            quote!(Dialect::#d)
        })
        .collect();
    let surface_docs: Vec<Literal> = cat
        .surfaces
        .iter()
        .map(|s| lit(&format!("{}: {}", s.name, s.title)))
        .collect();

    let ids: Vec<Ident> = cat.errors.iter().map(|e| ident(&camel(&e.id))).collect();
    let id_docs: Vec<Literal> = cat
        .errors
        .iter()
        .map(|e| {
            let code = e.code.as_ref().map(|c| format!("{c} ")).unwrap_or_default();
            lit(&format!(
                "{code}{} ({}, HTTP {}).",
                e.title, e.surface, e.status
            ))
        })
        .collect();
    let count = cat.errors.len();

    let entries = cat.errors.iter().map(|e| {
        let id = ident(&camel(&e.id));
        let name = lit(&e.id);
        let surface = surface_variant(&e.surface);
        let status = e.status;
        let code = match &e.code {
            Some(Code::Int(n)) => quote!(Some(WireCode::Int(#n))),
            Some(Code::Str(s)) => {
                let s = lit(s);
                quote!(Some(WireCode::Str(#s)))
            }
            None => quote!(None),
        };
        let title = lit(&e.title);
        let message = lit(&e.message);
        let params = e.params.iter().map(|(n, p)| {
            let n = lit(n);
            let ty = param_kind(p.ty);
            let desc = lit(&p.description);
            let wire = match &p.wire {
                Some(w) => {
                    let w = lit(w);
                    quote!(Some(#w))
                }
                None => quote!(None),
            };
            let optional = p.optional;
            quote!(ParamMeta { name: #n, ty: #ty, wire: #wire, optional: #optional, description: #desc })
        });
        let description = lit(&e.description);
        let causes = strs(&e.causes);
        let resolution = lit(&e.resolution);
        let retry = ident(&camel(&format!("{:?}", e.retry)));
        let endpoints = strs(&e.endpoints);
        let headers: Vec<String> = e.headers.iter().filter_map(|h| cat.header(h)).map(|h| h.name.clone()).collect();
        let headers = strs(&headers);
        let since = lit(&e.since);
        let deprecated = match &e.deprecated {
            Some(d) => {
                let r = ident(&camel(&d.replacement));
                quote!(Some(ErrorId::#r))
            }
            None => quote!(None),
        };
        let docs = lit(&format!("docs/reference/{}.md#{}", e.surface, e.id));
        let examples = e.examples.iter().map(|x| {
            let name = lit(x.name.as_deref().unwrap_or(""));
            let params = lit(&serde_json::to_string(&x.params).expect("json"));
            let body = lit(&serde_json::to_string(&x.body).expect("json"));
            let hs = x.headers.iter().map(|(k, v)| {
                let (k, v) = (lit(k), lit(v));
                quote!((#k, #v))
            });
            quote!(ExampleMeta { name: #name, params: #params, headers: &[#(#hs),*], body: #body })
        });
        quote! {
            EntryMeta {
                id: ErrorId::#id,
                name: #name,
                surface: Surface::#surface,
                status: #status,
                code: #code,
                title: #title,
                message: #message,
                params: &[#(#params),*],
                description: #description,
                causes: #causes,
                resolution: #resolution,
                retry: Retry::#retry,
                endpoints: #endpoints,
                headers: #headers,
                since: #since,
                deprecated: #deprecated,
                docs: #docs,
                examples: &[#(#examples),*],
            }
        }
    });

    let enums = cat.surfaces.iter().filter(|s| cat.errors_of(&s.name).next().is_some()).map(|s| {
        let ty = ident(&format!("{}Error", camel(&s.name)));
        let surface = surface_variant(&s.name);
        let doc = lit(&format!(
            "Every error of the `{}` surface, with its typed parameters. Rendered in the `{:?}` dialect.",
            s.name, s.dialect
        ));
        let list: Vec<&ErrorEntry> = cat.errors_of(&s.name).collect();
        let variants = list.iter().map(|e| {
            let v = ident(&camel(&e.id));
            let doc = lit(&format!("{} — `{}`", e.title, e.message));
            if e.params.is_empty() {
                quote!(#[doc = #doc] #v)
            } else {
                let fields = e.params.iter().map(|(n, p)| {
                    let f = field_ident(n);
                    let t = param_type(p);
                    let d = lit(&p.description);
                    quote!(#[doc = #d] #f: #t)
                });
                quote!(#[doc = #doc] #v { #(#fields),* })
            }
        });
        let id_arms = list.iter().map(|e| {
            let v = ident(&camel(&e.id));
            if e.params.is_empty() { quote!(Self::#v => ErrorId::#v) } else { quote!(Self::#v { .. } => ErrorId::#v) }
        });
        let param_arms = list.iter().map(|e| {
            let v = ident(&camel(&e.id));
            if e.params.is_empty() {
                quote!(Self::#v => {})
            } else {
                let fs: Vec<Ident> = e.params.keys().map(|n| field_ident(n)).collect();
                let names = e.params.keys().map(|n| lit(n));
                quote!(Self::#v { #(#fs),* } => { #( put(&mut p, #names, #fs); )* })
            }
        });
        let from_arms = list.iter().map(|e| {
            let v = ident(&camel(&e.id));
            if e.params.is_empty() {
                quote!(ErrorId::#v => Self::#v)
            } else {
                let fields = e.params.iter().map(|(n, p)| {
                    let f = field_ident(n);
                    let nl = lit(n);
                    if p.optional { quote!(#f: take_opt(p, #nl, id)?) } else { quote!(#f: take(p, #nl, id)?) }
                });
                quote!(ErrorId::#v => Self::#v { #(#fields),* })
            }
        });
        // A surface whose entries have no params never reads them.
        let p_arg = if list.iter().all(|e| e.params.is_empty()) { ident("_p") } else { ident("p") };
        quote! {
            #[doc = #doc]
            #[derive(Debug, Clone, PartialEq)]
            pub enum #ty { #(#variants),* }

            impl CatalogError for #ty {
                fn id(&self) -> ErrorId {
                    match self { #(#id_arms),* }
                }
                fn params(&self) -> Params {
                    #[allow(unused_mut)]
                    let mut p = Params::new();
                    match self { #(#param_arms)* }
                    p
                }
                fn from_parts(id: ErrorId, #p_arg: &Params) -> Result<Self, ParseError> {
                    Ok(match id {
                        #(#from_arms,)*
                        other => return Err(ParseError::WrongSurface { id: other, expected: Surface::#surface }),
                    })
                }
            }

            impl #ty {
                /// The surface of every variant.
                pub const SURFACE: Surface = Surface::#surface;
                /// Decodes a body this surface sent with `status`.
                pub fn parse(status: u16, body: &serde_json::Value) -> Result<Self, ParseError> {
                    <Self as CatalogError>::from_body(Self::SURFACE, status, body)
                }
            }

            impl std::fmt::Display for #ty {
                fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                    display(self, f)
                }
            }

            impl std::error::Error for #ty {}
        }
    });

    let statuses = cat.statuses.iter().map(|s| {
        let code = s.status;
        let (def, desc, res) = (lit(&s.definition), lit(&s.description), lit(&s.resolution));
        let causes = strs(&s.causes);
        let feathers = match &s.feathers {
            Some(f) => {
                let (n, c) = (lit(&f.name), lit(&f.class_name));
                quote!(Some((#n, #c)))
            }
            None => quote!(None),
        };
        quote!(StatusMeta { status: #code, definition: #def, description: #desc, causes: #causes, resolution: #res, feathers: #feathers })
    });
    let tokens = quote! {
        //! The catalogued errors: ids, surfaces, metadata and the per-surface enums.
        use crate::meta::*;
        use crate::wire::{display, put, take, take_opt, CatalogError, Params, ParseError};

        /// The API surfaces of idv.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Surface {
            #(#[doc = #surface_docs] #surface_variants),*
        }

        impl Surface {
            /// Every surface, in documentation order.
            pub const ALL: &'static [Surface] = &[#(Surface::#surface_variants),*];
            /// The stable name, e.g. `possession`.
            pub const fn name(self) -> &'static str {
                match self { #(Surface::#surface_variants => #surface_names),* }
            }
            /// The human title.
            pub const fn title(self) -> &'static str {
                match self { #(Surface::#surface_variants => #surface_titles),* }
            }
            /// The documented base path.
            pub const fn base_path(self) -> &'static str {
                match self { #(Surface::#surface_variants => #surface_paths),* }
            }
            /// The wire dialect of its error bodies.
            pub const fn dialect(self) -> Dialect {
                match self { #(Surface::#surface_variants => #surface_dialects),* }
            }
            /// The surface with this name.
            pub fn from_name(name: &str) -> Option<Surface> {
                Surface::ALL.iter().copied().find(|s| s.name() == name)
            }
        }

        /// Every catalogued error, across surfaces. Its metadata is [`ErrorId::meta`].
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum ErrorId {
            #(#[doc = #id_docs] #ids),*
        }

        impl ErrorId {
            /// Every id, in catalogue order.
            pub const ALL: &'static [ErrorId] = &[#(ErrorId::#ids),*];
            /// The entry's metadata.
            pub fn meta(self) -> &'static EntryMeta {
                &ENTRIES[self as usize]
            }
        }

        /// Every HTTP status idv uses, from `catalog/statuses.yaml`.
        pub static STATUSES: &[StatusMeta] = &[#(#statuses),*];

        /// The metadata of every entry, indexed by `ErrorId as usize`.
        pub static ENTRIES: [EntryMeta; #count] = [#(#entries),*];

        #(#enums)*
    };
    format!(
        "{}{}",
        header("catalog/surfaces.yaml, catalog/statuses.yaml and catalog/errors/*.yaml"),
        pretty(tokens)
    )
}
