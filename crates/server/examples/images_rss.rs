//! The memory of ten concurrent 10 MB document images going through idv's image
//! functions, as an upload will: base64 text → decoded and checked
//! (`domain::image::decode_base64`) → encrypted and stored
//! (`verification::files::store_image`, a local object store). Run by
//! `bench/images-rss.sh`, which compares the modes in one run:
//!
//!   images_rss gen DIR          write ten base64 files of ~10 MB PNGs of noise to DIR
//!   images_rss inputs DIR       only read the ten base64 texts (the request bodies)
//!   images_rss baseline DIR     decode + encrypt + store, no validation
//!   images_rss full DIR         decode + validate + encrypt + store
//!
//! Each mode prints one line: mode, the peak resident set size (`VmHWM`), the
//! resident size after reading the inputs, and the wall time of the ten.

use idv_server::app::AppState;
use idv_server::config::{Region, Tier};
use idv_server::domain::SealKey;
use idv_server::domain::image;
use idv_server::store::objects::{ObjectSettings, Objects};
use idv_server::verification::files;
use std::path::{Path, PathBuf};
use std::time::Instant;

const N: usize = 10;

fn status_kb(field: &str) -> u64 {
    let s = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    s.lines()
        .find_map(|l| l.strip_prefix(field))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

/// A PNG of RGB noise just under 10 MB (noise does not compress).
fn png_noise(seed: u32) -> Vec<u8> {
    let side = 1840u32;
    let mut out = Vec::new();
    let mut enc = png::Encoder::new(&mut out, side, side);
    enc.set_color(png::ColorType::Rgb);
    enc.set_compression(png::Compression::Fast);
    let mut wr = enc.write_header().expect("header");
    let mut x = seed | 1;
    let data: Vec<u8> = (0..side * side * 3)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            x as u8
        })
        .collect();
    wr.write_image_data(&data).expect("data");
    wr.finish().expect("finish");
    out
}

fn input(dir: &Path, i: usize) -> PathBuf {
    dir.join(format!("image-{i}.b64"))
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    let (mode, dir) = match args.as_slice() {
        [_, mode, dir] => (mode.as_str(), PathBuf::from(dir)),
        _ => {
            eprintln!("usage: images_rss gen|inputs|baseline|full DIR");
            std::process::exit(2);
        }
    };
    if mode == "gen" {
        std::fs::create_dir_all(&dir).expect("dir");
        for i in 0..N {
            let png = png_noise(0x9e37_79b9 ^ (i as u32 * 7919));
            assert!(
                png.len() as u64 <= idv_core::limits::IMAGE_MAX_BYTES,
                "{} bytes",
                png.len()
            );
            std::fs::write(input(&dir, i), image::to_base64(&png)).expect("write");
        }
        return;
    }
    let texts: Vec<String> = (0..N)
        .map(|i| std::fs::read_to_string(input(&dir, i)).expect("run `gen` first"))
        .collect();
    let after_inputs = status_kb("VmRSS:");
    let store = tempfile::tempdir().expect("temp dir");
    let key = SealKey::random();
    let objects = Objects::open(
        &ObjectSettings::Local {
            path: store.path().join("objects"),
        },
        &key,
    )
    .expect("objects");
    let st = AppState::new(
        idv_server::store::open(&format!("sqlite://{}/idv.db", store.path().display()))
            .await
            .expect("store"),
        Region::Us,
        Tier::Sandbox,
    )
    .with_key(key)
    .with_objects(objects);
    let started = Instant::now();
    let mut tasks = Vec::new();
    for (i, text) in texts.into_iter().enumerate() {
        let st = st.clone();
        let mode = mode.to_string();
        tasks.push(tokio::spawn(async move {
            let key = format!("bench/doc_{i}/front");
            match mode.as_str() {
                "inputs" => drop(text),
                "baseline" => {
                    let bytes = tokio::task::spawn_blocking(move || {
                        base64::Engine::decode(&base64::engine::general_purpose::STANDARD, text)
                            .expect("base64")
                    })
                    .await
                    .expect("join");
                    st.objects.put(&key, bytes).await.expect("put");
                }
                "full" => {
                    // Decoding and checking is CPU work: off the async workers, as
                    // the upload handler runs it.
                    let img = tokio::task::spawn_blocking(move || image::decode_base64(&text))
                        .await
                        .expect("join")
                        .expect("a valid image");
                    files::store_image(&st, &key, img).await.expect("store");
                }
                other => panic!("unknown mode {other}"),
            }
        }));
    }
    for t in tasks {
        t.await.expect("task");
    }
    let elapsed = started.elapsed();
    println!(
        "{mode:<9} peak_rss_mb={:.1} after_inputs_mb={:.1} wall_ms={}",
        status_kb("VmHWM:") as f64 / 1024.0,
        after_inputs as f64 / 1024.0,
        elapsed.as_millis()
    );
}
