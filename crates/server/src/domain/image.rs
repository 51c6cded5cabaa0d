//! Document images as they arrive: base64 text that must become a real PNG or
//! JPEG of at most [`IMAGE_MAX_BYTES`], checked without ever holding more than
//! the decoded file and a row of pixels, so ten concurrent 10 MB uploads stay
//! far below the server's memory budget and a small file that claims to be
//! 100000 × 100000 pixels is refused before anything is allocated for it.
//!
//! The checks, in order: the size the base64 text decodes to (computed from its
//! length, before decoding); the base64 itself; the format by its magic bytes;
//! the width and height from the header through the `image` crate with
//! [`image::Limits`] ([`IMAGE_MAX_DIMENSION`] a side, then [`IMAGE_MAX_PIXELS`]
//! in all); then the whole file's integrity, so a truncated upload is refused:
//! a PNG is decoded row by row by the `png` crate (one row in memory, every
//! chunk's CRC checked, through `IEND`), a JPEG's marker structure is walked
//! through its entropy-coded scans to `EOI` (decoding a JPEG allocates the whole
//! frame, which is what the memory budget cannot afford).
//!
//! [`embedded_fields`] reads the sandbox's embedded `idv` JSON (a PNG `tEXt` or
//! `iTXt` chunk with keyword `idv`, or a JPEG `COM` segment whose text is `idv:`
//! followed by the JSON), which the document pipeline's first extraction
//! provider uses.
//!
//! Boundary: no axum, no surface; a refusal is an [`ImageProblem`] the surface
//! turns into its catalogued 422 naming the field.

use base64::Engine;
use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig};
use base64::engine::{DecodePaddingMode, general_purpose};
use idv_core::limits::{IMAGE_MAX_BYTES, IMAGE_MAX_DIMENSION, IMAGE_MAX_PIXELS};
use std::io::Cursor;

/// A decoded image that passed every check.
#[derive(Clone, PartialEq, Eq)]
pub struct ValidImage {
    /// The file as uploaded (decoded from base64).
    pub bytes: Vec<u8>,
    /// `image/png` or `image/jpeg`.
    pub content_type: &'static str,
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// SHA-256 of [`ValidImage::bytes`], lowercase hex.
    pub sha256: String,
}

impl std::fmt::Debug for ValidImage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The bytes are a person's document: never in a log.
        f.debug_struct("ValidImage")
            .field("len", &self.bytes.len())
            .field("content_type", &self.content_type)
            .field("width", &self.width)
            .field("height", &self.height)
            .finish_non_exhaustive()
    }
}

/// Why an image was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum ImageProblem {
    /// It decodes to more than [`IMAGE_MAX_BYTES`].
    #[error("must not be greater than 10 MB")]
    TooLarge,
    /// Not base64, not a PNG or JPEG, or a damaged or truncated one.
    #[error("must be a PNG or JPEG image")]
    NotDecodable,
    /// Wider or taller than [`IMAGE_MAX_DIMENSION`], or more pixels than
    /// [`IMAGE_MAX_PIXELS`].
    #[error("must be an image of at most 16384 pixels a side and 100 megapixels")]
    TooManyPixels,
}

/// The two formats idv accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImageKind {
    /// PNG.
    Png,
    /// JPEG (JFIF or Exif).
    Jpeg,
}

impl ImageKind {
    /// The format of `bytes` by its magic bytes, if it is one idv accepts.
    pub fn sniff(bytes: &[u8]) -> Option<ImageKind> {
        if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
            Some(ImageKind::Png)
        } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
            Some(ImageKind::Jpeg)
        } else {
            None
        }
    }

    /// Its MIME type.
    pub fn content_type(self) -> &'static str {
        match self {
            ImageKind::Png => "image/png",
            ImageKind::Jpeg => "image/jpeg",
        }
    }
}

/// Standard base64, padding optional (what most encoders send).
const STANDARD: GeneralPurpose = GeneralPurpose::new(
    &base64::alphabet::STANDARD,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

/// URL-safe base64, padding optional.
const URL_SAFE: GeneralPurpose = GeneralPurpose::new(
    &base64::alphabet::URL_SAFE,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

/// Decodes and checks an uploaded image: `text` is base64 (standard or
/// URL-safe, padding optional), optionally as a data URL
/// (`data:image/png;base64,…`); line breaks are ignored.
pub fn decode_base64(text: &str) -> Result<ValidImage, ImageProblem> {
    let b64 = strip_data_url(text.trim());
    if decoded_len(b64) > IMAGE_MAX_BYTES {
        return Err(ImageProblem::TooLarge);
    }
    // Line-wrapped base64 (what `base64 FILE` prints) is read without its breaks.
    let unwrapped: String;
    let b64 = if b64.bytes().any(|b| b.is_ascii_whitespace()) {
        unwrapped = b64.split_ascii_whitespace().collect();
        &unwrapped
    } else {
        b64
    };
    let bytes = if b64.contains(['-', '_']) {
        URL_SAFE.decode(b64)
    } else {
        STANDARD.decode(b64)
    }
    .map_err(|_| ImageProblem::NotDecodable)?;
    validate(bytes)
}

/// Checks decoded image bytes (see the module documentation).
pub fn validate(bytes: Vec<u8>) -> Result<ValidImage, ImageProblem> {
    if bytes.len() as u64 > IMAGE_MAX_BYTES {
        return Err(ImageProblem::TooLarge);
    }
    let kind = ImageKind::sniff(&bytes).ok_or(ImageProblem::NotDecodable)?;
    let (width, height) = match kind {
        ImageKind::Png => dimensions(&bytes, image::ImageFormat::Png)?,
        ImageKind::Jpeg => {
            let headers = jpeg_headers_len(&bytes).ok_or(ImageProblem::NotDecodable)?;
            // The image crate's JPEG decoder copies its whole input: it gets the
            // headers only, which hold the frame's dimensions.
            dimensions(&bytes[..headers], image::ImageFormat::Jpeg)?
        }
    };
    if u64::from(width) * u64::from(height) > IMAGE_MAX_PIXELS {
        return Err(ImageProblem::TooManyPixels);
    }
    if kind == ImageKind::Png {
        png_intact(&bytes)?;
    }
    let sha256 = crate::domain::secrets::hash_bytes(&bytes);
    Ok(ValidImage {
        bytes,
        content_type: kind.content_type(),
        width,
        height,
        sha256,
    })
}

/// The limits every decoding of an uploaded image runs under: at most
/// [`IMAGE_MAX_DIMENSION`] a side, and `max_alloc` for the decoder's own buffers
/// (64 MiB: a full decode of an image that needs more is refused, not allocated).
pub fn decode_limits() -> image::Limits {
    let side = u32::try_from(IMAGE_MAX_DIMENSION).unwrap_or(u32::MAX);
    let mut limits = image::Limits::default();
    limits.max_image_width = Some(side);
    limits.max_image_height = Some(side);
    limits.max_alloc = Some(DECODE_MAX_ALLOC);
    limits
}

/// Most bytes a decoder may allocate for one image (see [`decode_limits`]).
pub const DECODE_MAX_ALLOC: u64 = 64 * 1024 * 1024;

/// The sandbox's embedded fields: the JSON value of the image's `idv` text
/// (PNG `tEXt`/`zTXt`/`iTXt` chunk with keyword `idv`; JPEG `COM` segment
/// starting `idv:`). `Ok(None)` when the image has none, `Err` with the reason
/// when it has one that is not JSON.
pub fn embedded_fields(bytes: &[u8]) -> Result<Option<serde_json::Value>, String> {
    let text = match ImageKind::sniff(bytes) {
        Some(ImageKind::Png) => png_text(bytes, "idv")?,
        Some(ImageKind::Jpeg) => jpeg_comment(bytes, "idv:"),
        None => return Err("the image is neither PNG nor JPEG".into()),
    };
    text.map(|t| {
        serde_json::from_str(&t).map_err(|e| format!("the embedded idv fields are not JSON: {e}"))
    })
    .transpose()
}

/// `text` without a leading `data:…;base64,`.
fn strip_data_url(text: &str) -> &str {
    match text.strip_prefix("data:") {
        Some(rest) => rest.split_once(";base64,").map_or(text, |(_, b64)| b64),
        None => text,
    }
}

/// How many bytes base64 `text` decodes to (if it is valid base64; line
/// breaks and other whitespace are not counted).
fn decoded_len(text: &str) -> u64 {
    let digits = text
        .bytes()
        .filter(|b| !b.is_ascii_whitespace() && *b != b'=')
        .count() as u64;
    digits / 4 * 3 + (digits % 4 * 3 / 4)
}

/// Width and height from the header through the image crate, under
/// [`decode_limits`].
fn dimensions(bytes: &[u8], format: image::ImageFormat) -> Result<(u32, u32), ImageProblem> {
    let mut reader = image::ImageReader::with_format(Cursor::new(bytes), format);
    reader.limits(decode_limits());
    reader.into_dimensions().map_err(|e| match e {
        image::ImageError::Limits(_) => ImageProblem::TooManyPixels,
        _ => ImageProblem::NotDecodable,
    })
}

/// Decodes every row of a PNG (one row in memory at a time) and reads it to
/// `IEND`, every chunk's CRC checked: a truncated or damaged file fails.
fn png_intact(bytes: &[u8]) -> Result<(), ImageProblem> {
    let limits = png::Limits {
        bytes: usize::try_from(DECODE_MAX_ALLOC).unwrap_or(usize::MAX),
    };
    let mut decoder = png::Decoder::new_with_limits(Cursor::new(bytes), limits);
    decoder.set_ignore_text_chunk(true);
    let bad = |_| ImageProblem::NotDecodable;
    let mut reader = decoder.read_info().map_err(bad)?;
    while reader.next_row().map_err(bad)?.is_some() {}
    reader.finish().map_err(bad)
}

/// The text of a PNG's text chunk named `keyword`, if any.
fn png_text(bytes: &[u8], keyword: &str) -> Result<Option<String>, String> {
    let mut reader = png::Decoder::new(Cursor::new(bytes))
        .read_info()
        .map_err(|e| format!("the PNG cannot be read: {e}"))?;
    if let Some(t) = text_of(reader.info(), keyword) {
        return Ok(Some(t));
    }
    // Text chunks may also follow the image data.
    reader
        .finish()
        .map_err(|e| format!("the PNG cannot be read: {e}"))?;
    Ok(text_of(reader.info(), keyword))
}

fn text_of(info: &png::Info<'_>, keyword: &str) -> Option<String> {
    if let Some(c) = info
        .uncompressed_latin1_text
        .iter()
        .find(|c| c.keyword == keyword)
    {
        return Some(c.text.clone());
    }
    if let Some(c) = info
        .compressed_latin1_text
        .iter()
        .find(|c| c.keyword == keyword)
    {
        return c.get_text().ok();
    }
    info.utf8_text
        .iter()
        .find(|c| c.keyword == keyword)
        .and_then(|c| c.get_text().ok())
}

/// A JPEG segment: its marker and payload.
type Segment<'a> = (u8, &'a [u8]);

/// The segments of a JPEG before its first scan: each `(marker, payload)`,
/// and where the first scan's header ends. `None` when the structure is broken.
fn jpeg_segments(bytes: &[u8]) -> Option<(Vec<Segment<'_>>, usize)> {
    if !bytes.starts_with(&[0xFF, 0xD8]) {
        return None;
    }
    let mut segments = Vec::new();
    let mut i = 2;
    loop {
        let (marker, at) = next_marker(bytes, i)?;
        i = at;
        match marker {
            0x01 | 0xD0..=0xD7 => continue,
            0xD8 | 0xD9 => return None,
            _ => {}
        }
        let len = usize::from(u16::from_be_bytes([*bytes.get(i)?, *bytes.get(i + 1)?]));
        if len < 2 || i + len > bytes.len() {
            return None;
        }
        segments.push((marker, &bytes[i + 2..i + len]));
        i += len;
        if marker == 0xDA {
            return Some((segments, i));
        }
    }
}

/// The marker at `i` (after any fill bytes) and the index after it.
fn next_marker(bytes: &[u8], mut i: usize) -> Option<(u8, usize)> {
    if *bytes.get(i)? != 0xFF {
        return None;
    }
    while *bytes.get(i)? == 0xFF {
        i += 1;
    }
    Some((bytes[i], i + 1))
}

/// Walks a whole JPEG, every scan's entropy-coded data included, to its `EOI`
/// marker, and returns how long its headers are (through the first scan's
/// header). `None` when a segment runs past the end, a frame header is missing
/// or `EOI` never comes (a truncated file).
fn jpeg_headers_len(bytes: &[u8]) -> Option<usize> {
    let (segments, headers) = jpeg_segments(bytes)?;
    // A start-of-frame marker (SOF0–SOF15 but DHT, JPG and DAC).
    if !segments
        .iter()
        .any(|(m, _)| matches!(m, 0xC0..=0xCF) && !matches!(m, 0xC4 | 0xC8 | 0xCC))
    {
        return None;
    }
    let mut i = headers;
    loop {
        // Entropy-coded data: 0xFF is followed by 0x00 (a stuffed byte), a
        // restart marker, or fill bytes; anything else is the next marker.
        let at = i + bytes.get(i..)?.iter().position(|&b| b == 0xFF)?;
        let mut j = at;
        while *bytes.get(j)? == 0xFF {
            j += 1;
        }
        let marker = bytes[j];
        if marker == 0x00 || (0xD0..=0xD7).contains(&marker) {
            i = j + 1;
            continue;
        }
        i = j + 1;
        match marker {
            0xD9 => return Some(headers),
            0xD8 | 0x01 => return None,
            _ => {
                // A segment between scans (DHT, DQT, DRI, another SOS…).
                let len = usize::from(u16::from_be_bytes([*bytes.get(i)?, *bytes.get(i + 1)?]));
                if len < 2 || i + len > bytes.len() {
                    return None;
                }
                i += len;
            }
        }
    }
}

/// The text of the first JPEG `COM` segment starting with `prefix`, without it.
fn jpeg_comment(bytes: &[u8], prefix: &str) -> Option<String> {
    let (segments, _) = jpeg_segments(bytes)?;
    segments
        .iter()
        .filter(|(m, _)| *m == 0xFE)
        .find_map(|(_, payload)| payload.strip_prefix(prefix.as_bytes()))
        .map(|t| String::from_utf8_lossy(t).into_owned())
}

/// Base64 of `bytes` (standard alphabet, padded): what a client sends.
pub fn to_base64(bytes: &[u8]) -> String {
    general_purpose::STANDARD.encode(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A `w`×`h` RGB PNG of noise (incompressible), with optional text chunks.
    fn png(w: u32, h: u32, texts: &[(&str, &str)]) -> Vec<u8> {
        let mut out = Vec::new();
        let mut enc = png::Encoder::new(&mut out, w, h);
        enc.set_color(png::ColorType::Rgb);
        enc.set_depth(png::BitDepth::Eight);
        for (k, v) in texts {
            enc.add_text_chunk(k.to_string(), v.to_string()).unwrap();
        }
        let mut wr = enc.write_header().unwrap();
        let mut seed = 0x2545_f491_u32;
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

    fn jpeg(w: u32, h: u32, comment: Option<&str>) -> Vec<u8> {
        let img = image::RgbImage::from_fn(w, h, |x, y| image::Rgb([x as u8, y as u8, 7]));
        let mut out = Vec::new();
        image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 80)
            .encode_image(&img)
            .unwrap();
        if let Some(c) = comment {
            let len = u16::try_from(c.len() + 2).unwrap().to_be_bytes();
            let seg = [&[0xFF, 0xFE][..], &len, c.as_bytes()].concat();
            out.splice(2..2, seg);
        }
        out
    }

    #[test]
    fn real_pngs_and_jpegs_pass_with_their_type_dimensions_and_digest() {
        let p = png(40, 30, &[]);
        let v = decode_base64(&to_base64(&p)).unwrap();
        assert_eq!((v.content_type, v.width, v.height), ("image/png", 40, 30));
        assert_eq!(v.sha256, crate::domain::secrets::hash_bytes(&p));
        assert_eq!(v.bytes, p);
        let j = jpeg(33, 17, None);
        let v = decode_base64(&format!("data:image/jpeg;base64,{}", to_base64(&j))).unwrap();
        assert_eq!((v.content_type, v.width, v.height), ("image/jpeg", 33, 17));
        // Line-wrapped base64, as `base64 FILE` prints it, is read too.
        let wrapped: Vec<String> = to_base64(&j)
            .as_bytes()
            .chunks(76)
            .map(|c| String::from_utf8(c.to_vec()).unwrap())
            .collect();
        assert_eq!(
            decode_base64(&(wrapped.join("\n") + "\n")).unwrap().bytes,
            j
        );
        // URL-safe and unpadded base64 are read too.
        let url = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(&j);
        assert_eq!(decode_base64(&url).unwrap().bytes, j);
        assert!(!format!("{v:?}").contains("255"), "Debug shows no bytes");
    }

    #[test]
    fn what_is_not_a_whole_png_or_jpeg_is_refused() {
        let not = Err(ImageProblem::NotDecodable);
        assert_eq!(decode_base64("not base64!"), not);
        assert_eq!(decode_base64(""), not);
        assert_eq!(decode_base64(&to_base64(b"%PDF-1.7 hello")), not);
        let p = png(64, 64, &[]);
        for cut in [p.len() - 12, p.len() / 2, 40, 8] {
            assert_eq!(validate(p[..cut].to_vec()), not, "PNG cut at {cut}");
        }
        let mut flipped = p.clone();
        let mid = flipped.len() / 2;
        flipped[mid] ^= 0x55;
        assert_eq!(validate(flipped), not, "a damaged chunk fails its CRC");
        let j = jpeg(64, 64, None);
        for cut in [j.len() - 2, j.len() / 2, 200, 3] {
            assert_eq!(validate(j[..cut].to_vec()), not, "JPEG cut at {cut}");
        }
    }

    #[test]
    fn size_is_checked_before_decoding_and_pixels_before_allocating() {
        // 10 MB + 1 byte of decoded data, refused from the text's length alone:
        // the text is not even valid base64.
        let over = "!".repeat(((IMAGE_MAX_BYTES + 1) * 4).div_ceil(3) as usize);
        assert_eq!(decode_base64(&over), Err(ImageProblem::TooLarge));
        let exactly = "A".repeat((IMAGE_MAX_BYTES * 4).div_ceil(3) as usize);
        assert_eq!(decoded_len(&exactly), IMAGE_MAX_BYTES);
        assert_eq!(decode_base64(&exactly), Err(ImageProblem::NotDecodable));
        // A small PNG claiming 100000 × 100000 pixels (30 GB of RGB): a header
        // and the start of its image data.
        let bomb = |w: u32, h: u32| {
            let mut out = Vec::new();
            let mut enc = png::Encoder::new(&mut out, w, h);
            enc.set_color(png::ColorType::Rgb);
            let mut wr = enc.write_header().unwrap();
            wr.write_chunk(png::chunk::IDAT, &[0x78, 0x9c, 0x03, 0x00])
                .unwrap();
            drop(wr);
            out
        };
        let b = bomb(100_000, 100_000);
        assert!(b.len() < 100);
        assert_eq!(validate(b), Err(ImageProblem::TooManyPixels));
        // Within the side limit but over 100 megapixels.
        assert_eq!(
            validate(bomb(16_000, 16_000)),
            Err(ImageProblem::TooManyPixels)
        );
        // A small JPEG whose frame header claims 65535 × 65535 pixels.
        let mut j = jpeg(16, 16, None);
        let sof = j.windows(2).position(|w| w == [0xFF, 0xC0]).unwrap();
        j[sof + 5..sof + 9].copy_from_slice(&[0xFF, 0xFF, 0xFF, 0xFF]);
        assert_eq!(validate(j), Err(ImageProblem::TooManyPixels));
        // Within both, the same start is a truncated image.
        assert_eq!(validate(bomb(100, 100)), Err(ImageProblem::NotDecodable));
    }

    #[test]
    fn the_embedded_idv_fields_are_read_from_png_text_and_jpeg_comments() {
        let fields = r#"{"first_name":"Ada","date_of_birth":"1990-01-02"}"#;
        let p = png(8, 8, &[("Software", "x"), ("idv", fields)]);
        let v = embedded_fields(&p).unwrap().unwrap();
        assert_eq!(v["first_name"], "Ada");
        let j = jpeg(8, 8, Some(&format!("idv:{fields}")));
        assert!(
            validate(j.clone()).is_ok(),
            "a comment keeps the JPEG valid"
        );
        assert_eq!(
            embedded_fields(&j).unwrap().unwrap()["date_of_birth"],
            "1990-01-02"
        );
        assert_eq!(embedded_fields(&png(8, 8, &[])), Ok(None));
        assert_eq!(
            embedded_fields(&jpeg(8, 8, Some("made by a camera"))),
            Ok(None)
        );
        let err = embedded_fields(&png(8, 8, &[("idv", "{not json")])).unwrap_err();
        assert!(err.contains("not JSON"), "{err}");
        assert!(embedded_fields(b"GIF89a").is_err());
    }
}
