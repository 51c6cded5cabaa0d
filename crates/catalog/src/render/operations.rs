//! Renders `crates/core/src/generated/operations.rs`: one `&[Operation]` table per
//! surface from `catalog/operations/<surface>.yaml`, each operation carrying the
//! catalogued errors whose `endpoints` name it. The server's router, fallbacks and
//! OpenAPI document and the client's paths read these tables.

use super::rust::{camel, header};
use crate::Catalog;
use crate::model::*;
use proc_macro2::{Ident, Literal, Span, TokenStream};
use quote::quote;

fn ident(s: &str) -> Ident {
    Ident::new(s, Span::call_site())
}

fn lit(s: &str) -> Literal {
    Literal::string(s)
}

/// A JSON text, compact, in the key order it was written.
fn json_text(v: &serde_json::Value) -> String {
    serde_json::to_string(v).expect("json serializes")
}

fn field_type(k: FieldKind) -> TokenStream {
    let v = ident(&camel(&format!("{k:?}")));
    quote!(FieldType::#v)
}

fn fields(list: &[Field]) -> TokenStream {
    let items = list.iter().map(|f| {
        let name = lit(&f.name);
        let ty = field_type(f.ty);
        let format = lit(&f.format);
        let values = f.values.iter().map(|v| lit(v));
        let pattern = lit(&f.pattern);
        let max_length = f.max_length.unwrap_or(0);
        let required = f.required;
        let description = lit(f.description.trim());
        let example = lit(&json_text(&f.example));
        let inner = fields(&f.fields);
        quote! {
            Field {
                name: #name,
                ty: #ty,
                format: #format,
                values: &[#(#values),*],
                pattern: #pattern,
                max_length: #max_length,
                required: #required,
                description: #description,
                example: #example,
                fields: #inner,
            }
        }
    });
    quote!(&[#(#items),*])
}

fn body(b: &Body) -> TokenStream {
    let content_type = lit(&b.content_type);
    let fields = fields(&b.fields);
    // Validation guarantees the example parses; it is stored compact.
    let example = serde_json::from_str::<serde_json::Value>(&b.example)
        .map(|v| json_text(&v))
        .unwrap_or_else(|_| b.example.trim().to_string());
    let example = lit(&example);
    quote!(Body { content_type: #content_type, fields: #fields, example: #example })
}

fn operation(cat: &Catalog, op: &Operation) -> TokenStream {
    let surface = ident(&camel(&op.surface));
    let id = lit(&op.id);
    let method = ident(&camel(&op.method.as_str().to_ascii_lowercase()));
    let path = lit(&op.path);
    let auth = ident(&camel(&format!("{:?}", op.auth)));
    let idempotent = op.idempotent;
    let sandbox_only = op.sandbox_only;
    let summary = lit(op.summary.trim());
    let description = lit(op.description.trim());
    let path_params = fields(&op.path_params);
    let request = match &op.request {
        Some(b) => {
            let b = body(b);
            quote!(Some(#b))
        }
        None => quote!(None),
    };
    let response = body(&op.response);
    let status = op.status;
    let errors = cat
        .errors_of_operation(op)
        .map(|e| ident(&camel(&e.id)))
        .map(|v| quote!(ErrorId::#v));
    quote! {
        Operation {
            surface: Surface::#surface,
            id: #id,
            method: Method::#method,
            path: #path,
            auth: AuthKind::#auth,
            idempotent: #idempotent,
            sandbox_only: #sandbox_only,
            summary: #summary,
            description: #description,
            path_params: #path_params,
            request: #request,
            status: #status,
            response: #response,
            errors: &[#(#errors),*],
        }
    }
}

/// `crates/core/src/generated/operations.rs`.
pub fn rust(cat: &Catalog) -> String {
    let tables = cat.surfaces.iter().map(|s| {
        let name = ident(&s.name.to_ascii_uppercase());
        let doc = if cat.operation_surfaces.contains(&s.name) {
            format!(
                "The {} surface's operations (`catalog/operations/{}.yaml`), in catalogue order.",
                s.name, s.name
            )
        } else {
            format!(
                "The {} surface's operations: none catalogued yet (add `catalog/operations/{}.yaml`).",
                s.name, s.name
            )
        };
        let doc = lit(&doc);
        let ops = cat.operations_of(&s.name).map(|op| operation(cat, op));
        quote! {
            #[doc = #doc]
            pub const #name: &[Operation] = &[#(#ops),*];
        }
    });
    let arms = cat.surfaces.iter().map(|s| {
        let v = ident(&camel(&s.name));
        let name = ident(&s.name.to_ascii_uppercase());
        quote!(Surface::#v => #name,)
    });
    let tokens = quote! {
        //! The operations of every surface, from `catalog/operations/<surface>.yaml`.
        //! Each operation lists the catalogued errors whose `endpoints` name it.
        use crate::operation::*;
        use crate::{ErrorId, Surface};

        #(#tables)*

        /// The operations of `surface`.
        pub const fn of(surface: Surface) -> &'static [Operation] {
            match surface {
                #(#arms)*
            }
        }
    };
    let file: syn::File = syn::parse2(tokens).expect("generated tokens parse as a Rust file");
    format!(
        "{}{}",
        header("catalog/operations/*.yaml and catalog/errors/*.yaml"),
        prettyplease::unparse(&file)
    )
}
