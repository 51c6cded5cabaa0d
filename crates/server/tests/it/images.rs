//! Document images at rest and out: the encrypted object store on a real
//! directory (and on an S3-compatible server on loopback when
//! `IDV_TEST_S3_URL` is set), and `GET /api/v1/files/{signed}` on the real
//! server, where the verification surface's router mounts `files::get`.

use crate::harness::test_key;
use axum::Router;
use idv_server::app::{AppState, build_router};
use idv_server::config::{Region, Tier};
use idv_server::conn::ConnLimits;
use idv_server::domain::SealKey;
use idv_server::domain::image::{self, ImageProblem};
use idv_server::store::objects::{ObjectError, ObjectSettings, Objects, S3Settings};
use idv_server::verification::files;
use serde_json::json;

/// A `w`×`h` RGB PNG of noise.
pub fn png(w: u32, h: u32) -> Vec<u8> {
    let mut out = Vec::new();
    let mut enc = png::Encoder::new(&mut out, w, h);
    enc.set_color(png::ColorType::Rgb);
    let mut wr = enc.write_header().unwrap();
    let mut seed = 0x9e37_79b9_u32;
    let data: Vec<u8> = (0..w * h * 3)
        .map(|_| {
            seed ^= seed << 13;
            seed ^= seed >> 17;
            seed ^= seed << 5;
            seed as u8
        })
        .collect();
    wr.write_image_data(&data).unwrap();
    wr.finish().unwrap();
    out
}

fn jpeg(w: u32, h: u32) -> Vec<u8> {
    let img = ::image::RgbImage::from_fn(w, h, |x, y| ::image::Rgb([x as u8, y as u8, 99]));
    let mut out = Vec::new();
    ::image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 85)
        .encode_image(&img)
        .unwrap();
    out
}

/// Whether `needle` occurs in `hay`.
fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

fn local(dir: &std::path::Path, key: &SealKey) -> Objects {
    Objects::open(
        &ObjectSettings::Local {
            path: dir.join("objects"),
        },
        key,
    )
    .expect("open the local object store")
}

/// Every file under `dir`, read.
fn files_under(dir: &std::path::Path) -> Vec<(std::path::PathBuf, Vec<u8>)> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            out.extend(files_under(&p));
        } else {
            out.push((p.clone(), std::fs::read(&p).unwrap()));
        }
    }
    out
}

#[tokio::test]
async fn the_local_store_keeps_images_encrypted_and_detects_tampering() {
    let dir = tempfile::tempdir().unwrap();
    let key = SealKey::random();
    let objects = local(dir.path(), &key);
    assert_eq!(objects.backend(), "local");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(dir.path().join("objects"))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(
            mode & 0o777,
            0o700,
            "only the server's user lists the images"
        );
    }
    let img = png(64, 48);
    objects
        .put("ws_1/ver_1/doc_1/front", img.clone())
        .await
        .unwrap();
    assert_eq!(
        objects.get("ws_1/ver_1/doc_1/front").await.unwrap(),
        Some(img.clone())
    );

    // On disk: one file, not the image, and no 16-byte run of it.
    let on_disk = files_under(&dir.path().join("objects"));
    assert_eq!(on_disk.len(), 1, "{on_disk:?}");
    let (path, stored) = &on_disk[0];
    assert!(stored.len() >= img.len() + 32);
    assert!(
        !contains(stored, &img[..16]),
        "the PNG signature and header are not on disk"
    );
    assert!(!contains(stored, &img[img.len() / 2..img.len() / 2 + 16]));

    // Another server key, or the same bytes under another object key, do not open.
    let other = local(dir.path(), &SealKey::random());
    assert!(matches!(
        other.get("ws_1/ver_1/doc_1/front").await,
        Err(ObjectError::Tampered(_))
    ));
    std::fs::create_dir_all(dir.path().join("objects/ws_2/ver_1/doc_1")).unwrap();
    std::fs::write(dir.path().join("objects/ws_2/ver_1/doc_1/front"), stored).unwrap();
    assert!(matches!(
        objects.get("ws_2/ver_1/doc_1/front").await,
        Err(ObjectError::Tampered(_))
    ));

    // One flipped bit anywhere is detected.
    for at in [0, 5, 20, stored.len() / 2, stored.len() - 1] {
        let mut t = stored.clone();
        t[at] ^= 1;
        std::fs::write(path, &t).unwrap();
        assert!(
            matches!(
                objects.get("ws_1/ver_1/doc_1/front").await,
                Err(ObjectError::Tampered(_))
            ),
            "flipped byte {at}"
        );
    }
    std::fs::write(path, &stored[..stored.len() - 1]).unwrap();
    assert!(matches!(
        objects.get("ws_1/ver_1/doc_1/front").await,
        Err(ObjectError::Tampered(_))
    ));

    // Two puts of the same image differ on disk (a fresh nonce each time).
    objects.put("a/one", img.clone()).await.unwrap();
    objects.put("a/two", img.clone()).await.unwrap();
    let one = std::fs::read(dir.path().join("objects/a/one")).unwrap();
    let two = std::fs::read(dir.path().join("objects/a/two")).unwrap();
    assert_ne!(one[4..], two[4..]);

    objects.delete("a/one").await.unwrap();
    assert_eq!(objects.get("a/one").await.unwrap(), None);
    objects.delete("a/one").await.unwrap();
    assert_eq!(objects.get("never/stored").await.unwrap(), None);
    for bad in [
        "",
        "/a",
        "a//b",
        "../etc/passwd",
        "a/./b",
        "a b",
        "a/b\n",
        &"x".repeat(600),
    ] {
        assert!(
            matches!(objects.put(bad, vec![1]).await, Err(ObjectError::BadKey(_))),
            "{bad:?}"
        );
    }
}

/// The S3 settings of `IDV_TEST_S3_URL` (an S3-compatible server on loopback,
/// e.g. `moto_server -p 5055`), with a fresh bucket created by a plain
/// `PUT /bucket` (which moto accepts without a signature), or
/// `IDV_TEST_S3_BUCKET` when set.
async fn s3_settings() -> Option<S3Settings> {
    let Some(url) = std::env::var("IDV_TEST_S3_URL")
        .ok()
        .filter(|u| !u.is_empty())
    else {
        eprintln!(
            "skipping the S3 object store test: IDV_TEST_S3_URL is not set (e.g. http://127.0.0.1:5055 with `moto_server -p 5055`)"
        );
        return None;
    };
    let bucket = match std::env::var("IDV_TEST_S3_BUCKET") {
        Ok(b) if !b.is_empty() => b,
        _ => {
            let b = format!("idv-test-{}", idv_server::domain::secrets::random_hex(6));
            let r = reqwest::Client::new()
                .put(format!("{url}/{b}"))
                .send()
                .await
                .unwrap_or_else(|e| panic!("IDV_TEST_S3_URL is set but {url} is unreachable: {e}"));
            assert!(
                r.status().is_success(),
                "creating bucket {b}: {}",
                r.status()
            );
            b
        }
    };
    Some(S3Settings {
        endpoint: Some(url),
        bucket,
        region: "us-east-1".into(),
        access_key_id: Some("test".into()),
        secret_access_key: Some("test".into()),
        allow_http: true,
    })
}

#[tokio::test]
async fn an_s3_compatible_store_keeps_images_encrypted_too() {
    let Some(s3) = s3_settings().await else {
        return;
    };
    // The bucket read and written directly, as anyone with its credentials can.
    let raw = object_store::aws::AmazonS3Builder::new()
        .with_endpoint(s3.endpoint.clone().unwrap())
        .with_bucket_name(&s3.bucket)
        .with_region(&s3.region)
        .with_access_key_id("test")
        .with_secret_access_key("test")
        .with_allow_http(true)
        .build()
        .unwrap();
    let key = SealKey::random();
    let objects = Objects::open(&ObjectSettings::S3(s3), &key).unwrap();
    assert_eq!(objects.backend(), "s3");
    let img = jpeg(120, 80);
    objects.put("ws_1/doc_1/front", img.clone()).await.unwrap();
    assert_eq!(
        objects.get("ws_1/doc_1/front").await.unwrap(),
        Some(img.clone())
    );
    // What the bucket holds is not the image; altered, it does not open.
    use object_store::ObjectStore;
    let path = object_store::path::Path::from("ws_1/doc_1/front");
    let stored = raw
        .get(&path)
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap()
        .to_vec();
    assert!(stored.len() >= img.len() + 32, "{} bytes", stored.len());
    assert!(!contains(&stored, &img[..16]));
    let mut t = stored.clone();
    t[stored.len() / 2] ^= 1;
    raw.put(&path, t.into()).await.unwrap();
    assert!(matches!(
        objects.get("ws_1/doc_1/front").await,
        Err(ObjectError::Tampered(_))
    ));
    objects.delete("ws_1/doc_1/front").await.unwrap();
    assert_eq!(objects.get("ws_1/doc_1/front").await.unwrap(), None);
    assert_eq!(objects.get("ws_1/never").await.unwrap(), None);
}

/// The real server with images in a local directory under `dir`.
async fn serve_files(
    dir: &std::path::Path,
) -> (String, AppState, tokio::sync::oneshot::Sender<()>) {
    let db = crate::harness::Db::sqlite();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let mut state = AppState::new(db.open().await, Region::Us, Tier::Sandbox)
        .with_key(test_key())
        .with_objects(local(dir, &test_key()));
    state.public_url = base.clone().into();
    let app = build_router(state.clone(), Router::new());
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(async move {
        let _db = db;
        idv_server::conn::serve(listener, app, ConnLimits::default(), async {
            let _ = rx.await;
        })
        .await
        .unwrap();
    });
    (base, state, tx)
}

#[tokio::test]
async fn a_signed_image_url_answers_the_image_for_five_minutes_and_then_404() {
    let dir = tempfile::tempdir().unwrap();
    let (base, st, stop) = serve_files(dir.path()).await;
    let http = reqwest::Client::new();
    st.clock.freeze();

    let img = png(30, 20);
    let valid = image::decode_base64(&image::to_base64(&img)).unwrap();
    let stored = files::store_image(&st, "ws_1/ver_1/doc_1/front", valid)
        .await
        .unwrap();
    assert_eq!(
        (stored.content_type, stored.width, stored.height),
        ("image/png", 30, 20)
    );
    assert_eq!(stored.sha256, idv_server::domain::secrets::hash_bytes(&img));
    let url = files::image_url(&st, &stored.object_key);
    assert!(url.starts_with(&format!("{base}/api/v1/files/")), "{url}");
    assert!(
        !url.contains("ws_1"),
        "the object key is not readable in the URL: {url}"
    );

    let r = http.get(&url).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let h = r.headers().clone();
    assert_eq!(h["content-type"], "image/png");
    assert_eq!(h["cache-control"], "private, no-store");
    assert_eq!(h["x-content-type-options"], "nosniff");
    assert_eq!(r.bytes().await.unwrap().to_vec(), img);

    let not_found = json!({"message": "File not found."});
    let get = |u: String| {
        let http = http.clone();
        async move {
            let r = http.get(u).send().await.unwrap();
            let status = r.status().as_u16();
            let ct = r.headers()["content-type"].to_str().unwrap().to_string();
            (status, ct, r.json::<serde_json::Value>().await.unwrap())
        }
    };
    // Tampered: another expiry, a changed character, a cut signature, garbage.
    let (head, tail) = url.rsplit_once('.').unwrap();
    let (obj_part, exp) = head.rsplit_once('.').unwrap();
    let later = format!("{obj_part}.{}.{tail}", exp.parse::<i64>().unwrap() + 3600);
    let mut flipped = url.clone().into_bytes();
    let i = flipped.len() - 5;
    flipped[i] = if flipped[i] == b'A' { b'B' } else { b'A' };
    for bad in [
        later,
        String::from_utf8(flipped).unwrap(),
        head.to_string(),
        format!("{base}/api/v1/files/nonsense"),
        format!("{base}/api/v1/files/%FF%FE"),
        format!("{base}/api/v1/files/a.1.b"),
    ] {
        assert_eq!(
            get(bad.clone()).await,
            (404, "application/json".into(), not_found.clone()),
            "{bad}"
        );
    }

    // Expired: valid through 299 s, 404 from 300 s.
    st.clock.advance(299);
    assert_eq!(http.get(&url).send().await.unwrap().status(), 200);
    st.clock.advance(1);
    assert_eq!(
        get(url.clone()).await,
        (404, "application/json".into(), not_found.clone())
    );

    // A JPEG answers as one.
    let j = jpeg(16, 16);
    let stored = files::store_image(
        &st,
        "ws_1/ver_1/doc_2/front",
        image::validate(j.clone()).unwrap(),
    )
    .await
    .unwrap();
    let url = files::image_url(&st, &stored.object_key);
    let r = http.get(&url).send().await.unwrap();
    assert_eq!(r.headers()["content-type"], "image/jpeg");
    assert_eq!(r.bytes().await.unwrap().to_vec(), j);

    // Erased: a fresh URL to an image that is gone is the same 404.
    st.objects.delete("ws_1/ver_1/doc_2/front").await.unwrap();
    assert_eq!(
        get(url).await,
        (404, "application/json".into(), not_found.clone())
    );

    // An image altered at rest is the surface's 500, never its bytes.
    let path = dir.path().join("objects/ws_1/ver_1/doc_1/front");
    let mut raw = std::fs::read(&path).unwrap();
    raw[40] ^= 1;
    std::fs::write(&path, raw).unwrap();
    let url = files::image_url(&st, "ws_1/ver_1/doc_1/front");
    assert_eq!(
        get(url).await,
        (
            500,
            "application/json".into(),
            json!({"message": "Server Error."})
        )
    );
    let _ = stop.send(());
}

#[test]
fn image_problems_are_the_catalogued_422_naming_the_field() {
    use idv_core::CatalogError;
    let body = |p, f| files::image_error(p, f).body();
    assert_eq!(
        body(ImageProblem::TooLarge, "back_side_data"),
        json!({"message": "The back_side_data must not be greater than 10 MB.",
               "errors": {"back_side_data": ["The back_side_data must not be greater than 10 MB."]}})
    );
    assert_eq!(
        body(ImageProblem::NotDecodable, "document.image"),
        json!({"message": "The document.image must be a PNG or JPEG image.",
               "errors": {"document.image": ["The document.image must be a PNG or JPEG image."]}})
    );
    let m = "The document.image field is invalid: must be an image of at most 16384 pixels wide and high and 100 megapixels.";
    assert_eq!(
        body(ImageProblem::TooManyPixels, "document.image"),
        json!({"message": m, "errors": {"document.image": [m]}})
    );
    assert_eq!(
        files::image_error(ImageProblem::TooLarge, "x").status(),
        422
    );
}
