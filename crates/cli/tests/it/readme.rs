//! The README's run command and its curl walk-through, executed verbatim: the block
//! after `<!-- walkthrough -->` runs in bash against a fresh `idv serve`, with the
//! address and client that the server printed on its first start.

use crate::walk;

fn readme() -> String {
    std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../README.md"))
        .expect("README.md")
}

fn walkthrough() -> String {
    let text = readme();
    let start = text
        .find("<!-- walkthrough -->")
        .expect("the README marks its walkthrough");
    walk::block(&text, start, "sh", "README.md").0
}

#[test]
fn the_readme_runs_the_server_with_idv_serve() {
    assert!(readme().contains("cargo run -p idv -- serve"));
    assert!(readme().contains("cargo test --workspace"));
}

#[test]
fn the_readme_walkthrough_runs_verbatim_against_idv_serve() {
    if let Some(why) = walk::missing_tools() {
        println!("{why}");
        return;
    }
    let stdout = walk::run(&walkthrough());
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 6, "{stdout}");
    let expect = [
        "\"next\":{\"v3-validate\":\"/v3/validate\"}",
        "\"next\":{\"v3-challenge\":\"/v3/challenge\"}",
        "\"address\":\"39 South Trail\",\"city\":\"San Antonio\",\"region\":\"TX\",\"postalCode\":\"78285\"",
        "\"next\":{\"done\":\"done\"}",
        "\"firstName\":\"Tod\",\"lastName\":\"Weedall\"",
        "{\"code\":8008,\"message\":\"correlation ID is expired or invalid\"}",
    ];
    for (line, want) in lines.iter().zip(expect) {
        assert!(line.contains(want), "expected {want} in {line}");
    }
}
