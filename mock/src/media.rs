//! Media files: the results the mock serves, and inputs for tests to submit.
//!
//! - [`result`]: the file behind a result URL, one that a person can open: a two-second
//!   H.264 clip, a test card at the task's aspect ratio, a one-second tone as WAV or MP3.
//!   Each names its task and result index in its metadata (an MP4 `free` box, a PNG `tEXt`
//!   comment, an MP3's ID3 title), so the files of different results differ. A server with
//!   a [`media_size`](crate::MockServerBuilder::media_size) serves files of exactly that size
//!   instead.
//! - [`input_png`], [`input_jpeg`], [`input_wav`]: small valid files of the size you ask for,
//!   for tests (and examples) that send a local image or audio file: write one to a
//!   temporary directory and pass its path to your client. They are real files (correct
//!   chunk CRCs, markers and headers) that decoders open, so a client that checks an image's
//!   format, sides and aspect ratio, or an audio file's format, sees what it would see in
//!   a photo or a recording.
//!
//! The clips and the MP3 are committed fixtures (`mock/fixtures/`, with the ffmpeg commands
//! that made them); the test card and the WAV are drawn here.
//!
//! ```
//! use nicerouter_kling_mock::media::{input_jpeg, input_png, input_wav};
//!
//! let png = input_png(1280, 720);
//! assert_eq!(&png[1..4], b"PNG");
//! assert_eq!(png[16..24], [0, 0, 5, 0, 0, 0, 2, 208]); // IHDR: 1280 × 720
//! let jpeg = input_jpeg(640, 640);
//! assert_eq!(jpeg[..3], [0xFF, 0xD8, 0xFF]);
//! let wav = input_wav(2_000); // two seconds of silence
//! assert_eq!(&wav[8..12], b"WAVE");
//! assert_eq!(wav.len(), 44 + 2 * 16_000 * 2);
//! ```

use serde_json::Value;

use crate::task::MockTask;

/// What a result file is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MediaKind {
    /// A video result, served as `video/mp4`.
    Video,
    /// An image result, served as `image/png`.
    Image,
    /// An audio result (generated audio, TTS speech, a voice's sample), served as
    /// `audio/wav`.
    Audio,
    /// The MP3 copy of an audio result (the spec's `url_mp3`), served as `audio/mpeg`.
    AudioMp3,
}

impl MediaKind {
    /// The file extension used in result URLs.
    pub fn extension(self) -> &'static str {
        match self {
            MediaKind::Video => "mp4",
            MediaKind::Image => "png",
            MediaKind::Audio => "wav",
            MediaKind::AudioMp3 => "mp3",
        }
    }

    /// The `Content-Type` the file is served with.
    pub fn content_type(self) -> &'static str {
        match self {
            MediaKind::Video => "video/mp4",
            MediaKind::Image => "image/png",
            MediaKind::Audio => "audio/wav",
            MediaKind::AudioMp3 => "audio/mpeg",
        }
    }

    /// Whether a task whose results are `self` has files of kind `file`: an audio track
    /// comes as WAV and as MP3.
    pub(crate) fn has_file(self, file: MediaKind) -> bool {
        self == file || (self == MediaKind::Audio && file == MediaKind::AudioMp3)
    }
}

/// The 16:9 clip: H.264 Constrained Baseline, 160 × 90, 2 s at 12 fps, `moov` first.
const CLIP_16X9: &[u8] = include_bytes!("../fixtures/clip-16x9.mp4");
/// The 9:16 clip, 90 × 160.
const CLIP_9X16: &[u8] = include_bytes!("../fixtures/clip-9x16.mp4");
/// The 1:1 clip, 128 × 128.
const CLIP_1X1: &[u8] = include_bytes!("../fixtures/clip-1x1.mp4");
/// About a second of a 440 Hz tone: MPEG-2 Layer III, 22 050 Hz mono, 32 kbit/s, no tag.
const TONE_MP3: &[u8] = include_bytes!("../fixtures/tone.mp3");

/// The file the mock serves as result `index` of `task`, in the format of `kind`: the same
/// every time.
///
/// With no `size`, the file a person would want: for a video, a two-second H.264 clip whose
/// frame is the closest of 16:9, 9:16 and 1:1 to the task's `aspect_ratio`; for an image, a
/// test card (colour bars, a grey ramp, a circle and a cross in a white frame) 640 pixels on
/// its long side at the task's `aspect_ratio`; for audio, a one-second 440 Hz tone. A task
/// without an `aspect_ratio` (or with one that is not `W:H`, like `auto`) gets 16:9.
///
/// With a `size`, exactly `size` bytes, or the format's minimum if `size` is smaller: the
/// same file padded where decoders skip (the MP4's trailing `free` box, the PNG's `tEXt`
/// comment, the MP3's ID3 padding, silence after the WAV's tone) if it is smaller than
/// `size`, otherwise a stand-in with valid headers: a 16 × 16 noise PNG, an MP4 of only
/// `ftyp` and `free` boxes, a shorter tone, an MP3 that is only its ID3 tag.
pub fn result(task: &MockTask, index: usize, kind: MediaKind, size: Option<usize>) -> Vec<u8> {
    let label = format!(
        "nicerouter-kling mock: task {} result {index}",
        task.task_id
    );
    let aspect = aspect_ratio(&task.request);
    let padding = |natural: usize| match size {
        None => Some(0),
        Some(size) => size.checked_sub(natural),
    };
    let wanted = size.unwrap_or(0);
    match kind {
        MediaKind::Video => {
            let clip = clip(aspect);
            match padding(clip.len() + 8 + label.len()) {
                Some(pad) => {
                    let mut out = clip.to_vec();
                    let mut note = label.into_bytes();
                    note.resize(note.len() + pad, 0);
                    mp4_box(&mut out, b"free", &note);
                    out
                }
                None => bare_mp4(wanted, &mut Noise::new(&task.task_id, index)),
            }
        }
        MediaKind::Image => {
            let (width, height) = card_sides(aspect);
            let mut out = test_card(width, height);
            let comment = |pad: usize| {
                let mut text = b"Comment\0".to_vec();
                text.extend_from_slice(label.as_bytes());
                text.resize(text.len() + pad, b' ');
                text
            };
            match padding(out.len() + 12 + comment(0).len() + 12) {
                Some(pad) => {
                    chunk(&mut out, b"tEXt", &comment(pad));
                    chunk(&mut out, b"IEND", &[]);
                    out
                }
                None => noise_png(wanted, &mut Noise::new(&task.task_id, index)),
            }
        }
        MediaKind::Audio => {
            let samples = match padding(WAV_HEADER + TONE_SAMPLES) {
                Some(pad) => TONE_SAMPLES + pad,
                None => wanted.saturating_sub(WAV_HEADER),
            };
            tone_wav(samples)
        }
        MediaKind::AudioMp3 => {
            let tag = id3_tag(&label, 0);
            match padding(tag.len() + TONE_MP3.len()) {
                Some(pad) => {
                    let mut out = id3_tag(&label, pad);
                    out.extend_from_slice(TONE_MP3);
                    out
                }
                None => id3_tag("", wanted.saturating_sub(10)),
            }
        }
    }
}

/// The aspect ratio a task asks for: its `aspect_ratio` (or `input.aspect_ratio`) as
/// `W:H`, else 16:9. Ratios past 100:1 are taken as 16:9 too.
fn aspect_ratio(request: &Value) -> (u32, u32) {
    let text = request
        .get("aspect_ratio")
        .or_else(|| request.pointer("/input/aspect_ratio"))
        .and_then(Value::as_str);
    let parse = |text: &str| {
        let (w, h) = text.split_once(':')?;
        let (w, h): (u32, u32) = (w.trim().parse().ok()?, h.trim().parse().ok()?);
        let sane = w > 0 && h > 0 && u64::from(w) <= 100 * u64::from(h);
        (sane && u64::from(h) <= 100 * u64::from(w)).then_some((w, h))
    };
    text.and_then(parse).unwrap_or((16, 9))
}

/// The clip closest to an aspect ratio: landscape, portrait or square.
fn clip((w, h): (u32, u32)) -> &'static [u8] {
    match w.cmp(&h) {
        std::cmp::Ordering::Greater => CLIP_16X9,
        std::cmp::Ordering::Less => CLIP_9X16,
        std::cmp::Ordering::Equal => CLIP_1X1,
    }
}

/// The long side of a test card, in pixels.
const CARD_LONG_SIDE: u32 = 640;

/// A test card's width and height: [`CARD_LONG_SIDE`] on the long side, the short side
/// rounded to the nearest pixel.
fn card_sides((w, h): (u32, u32)) -> (u32, u32) {
    let long = u64::from(CARD_LONG_SIDE);
    let short = |num: u32, den: u32| {
        let side = (2 * long * u64::from(num) + u64::from(den)) / (2 * u64::from(den));
        u32::try_from(side).unwrap_or(CARD_LONG_SIDE).max(1)
    };
    if w >= h {
        (CARD_LONG_SIDE, short(h, w))
    } else {
        (short(w, h), CARD_LONG_SIDE)
    }
}

/// Palette indices of the test card.
const BLACK: u8 = 0;
const WHITE: u8 = 1;
/// The seven 75 % colour bars, left to right: grey, yellow, cyan, green, magenta, red, blue.
const BARS: [u8; 7] = [2, 3, 4, 5, 6, 7, 8];
/// The strip under the bars: blue, black, magenta, black, cyan, black, grey.
const STRIP: [u8; 7] = [8, BLACK, 6, BLACK, 4, BLACK, 2];
/// The first of the eight steps of the grey ramp, black to white.
const RAMP: u8 = 9;

/// The test card's palette: black, white, the bars' colours, then the ramp's greys.
fn card_palette() -> Vec<u8> {
    let mut plte = vec![0, 0, 0, 255, 255, 255];
    for rgb in [
        [191, 191, 191],
        [191, 191, 0],
        [0, 191, 191],
        [0, 191, 0],
        [191, 0, 191],
        [191, 0, 0],
        [0, 0, 191],
    ] {
        plte.extend_from_slice(&rgb);
    }
    for step in 0..8u8 {
        let grey = u8::try_from(u16::from(step) * 255 / 7).unwrap_or(255);
        plte.extend_from_slice(&[grey, grey, grey]);
    }
    plte
}

/// The palette index of pixel (`x`, `y`) of a `width` × `height` test card.
fn card_pixel(x: u32, y: u32, width: u32, height: u32) -> u8 {
    let short = i64::from(width.min(height));
    let border = (width.min(height) / 60).max(2);
    if x < border || y < border || x + border >= width || y + border >= height {
        return WHITE;
    }
    // Distances from the centre in half pixels, so that the centre is exact on either parity.
    let dx = 2 * i64::from(x) + 1 - i64::from(width);
    let dy = 2 * i64::from(y) + 1 - i64::from(height);
    let radius = short * 4 / 5; // 0.4 of the short side, in half pixels
    let ring = (short / 120).max(2); // the circle's half thickness, in half pixels
    let d2 = dx * dx + dy * dy;
    let on_circle = (radius - ring).pow(2) <= d2 && d2 <= (radius + ring).pow(2);
    let on_cross = (dx.abs() <= 1 && dy.abs() <= radius) || (dy.abs() <= 1 && dx.abs() <= radius);
    if on_circle || on_cross {
        return WHITE;
    }
    // Which of `n` equal columns `x` is in (below `n`, as `x` is below `width`).
    let column = |n: u64| (u64::from(x) * n / u64::from(width)) as usize;
    if y < height * 2 / 3 {
        BARS[column(7)]
    } else if y < height * 3 / 4 {
        STRIP[column(7)]
    } else {
        RAMP + column(8) as u8
    }
}

/// A test card PNG without its closing chunks: the signature, `IHDR` (8-bit palette),
/// `PLTE` and one `IDAT`. Each row after the first is filtered against the one above
/// (PNG's `Up`), so rows that repeat become runs of zeros that [`zlib_runs`] folds away:
/// 640 × 360 is about 5 KB.
fn test_card(width: u32, height: u32) -> Vec<u8> {
    let mut out = PNG_SIGNATURE.to_vec();
    let mut ihdr = Vec::with_capacity(13);
    ihdr.extend_from_slice(&width.to_be_bytes());
    ihdr.extend_from_slice(&height.to_be_bytes());
    ihdr.extend_from_slice(&[8, 3, 0, 0, 0]); // 8-bit palette, deflate, no filter, no interlace
    chunk(&mut out, b"IHDR", &ihdr);
    chunk(&mut out, b"PLTE", &card_palette());
    let row = width as usize;
    let mut raw = Vec::with_capacity((1 + row) * height as usize);
    let mut above = vec![0u8; row];
    for y in 0..height {
        let pixels: Vec<u8> = (0..width)
            .map(|x| card_pixel(x, y, width, height))
            .collect();
        raw.push(if y == 0 { 0 } else { 2 }); // None, then Up
        raw.extend(pixels.iter().zip(&above).map(|(p, a)| p.wrapping_sub(*a)));
        above = pixels;
    }
    chunk(&mut out, b"IDAT", &zlib_runs(&raw));
    out
}

/// A zlib stream of one deflate block with the fixed Huffman codes, holding literals and
/// runs: a byte repeated three times or more becomes a match at distance 1.
fn zlib_runs(data: &[u8]) -> Vec<u8> {
    let mut bits = BitWriter::default();
    bits.put(1, 1); // the final block
    bits.put(1, 2); // fixed Huffman codes
    let mut at = 0;
    while at < data.len() {
        let run = match at.checked_sub(1).map(|prev| data[prev]) {
            Some(prev) => data[at..]
                .iter()
                .take(258)
                .take_while(|&&b| b == prev)
                .count(),
            None => 0,
        };
        if run >= 3 {
            put_length(&mut bits, run);
            bits.put_code(0, 5); // distance code 0: distance 1
            at += run;
        } else {
            put_literal(&mut bits, u16::from(data[at]));
            at += 1;
        }
    }
    put_literal(&mut bits, 256); // end of block
    let mut out = vec![0x78, 0x01];
    out.extend(bits.finish());
    out.extend_from_slice(&adler32(data).to_be_bytes());
    out
}

/// A literal/length symbol in the fixed Huffman code (RFC 1951 §3.2.6).
fn put_literal(bits: &mut BitWriter, symbol: u16) {
    match symbol {
        0..=143 => bits.put_code(0x30 + u32::from(symbol), 8),
        144..=255 => bits.put_code(0x190 + u32::from(symbol) - 144, 9),
        256..=279 => bits.put_code(u32::from(symbol) - 256, 7),
        _ => bits.put_code(0xC0 + u32::from(symbol) - 280, 8),
    }
}

/// A match length of 3 to 258: its symbol (257 to 285), then its extra bits.
fn put_length(bits: &mut BitWriter, length: usize) {
    const BASES: [u16; 29] = [
        3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115,
        131, 163, 195, 227, 258,
    ];
    const EXTRA: [u8; 29] = [
        0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0,
    ];
    let length = u16::try_from(length.clamp(3, 258)).unwrap_or(258);
    // 258 has a code of its own; the code for 227 + 31 is never used.
    let code = if length == 258 {
        28
    } else {
        BASES.iter().rposition(|&base| base <= length).unwrap_or(0)
    };
    put_literal(bits, 257 + code as u16);
    bits.put(u32::from(length - BASES[code]), EXTRA[code]);
}

/// Bits packed from the least significant end of each byte, as deflate stores them.
#[derive(Default)]
struct BitWriter {
    out: Vec<u8>,
    acc: u32,
    used: u8,
}

impl BitWriter {
    /// `count` bits of `value`, least significant first (extra bits and block headers).
    fn put(&mut self, value: u32, count: u8) {
        for i in 0..count {
            self.acc |= ((value >> i) & 1) << self.used;
            self.used += 1;
            if self.used == 8 {
                self.out.push(self.acc as u8);
                self.acc = 0;
                self.used = 0;
            }
        }
    }

    /// A Huffman code of `count` bits, most significant first.
    fn put_code(&mut self, code: u32, count: u8) {
        for i in (0..count).rev() {
            self.put((code >> i) & 1, 1);
        }
    }

    fn finish(mut self) -> Vec<u8> {
        if self.used > 0 {
            self.out.push(self.acc as u8);
        }
        self.out
    }
}

fn adler32(data: &[u8]) -> u32 {
    let (mut a, mut b) = (1u32, 0u32);
    for byte in data {
        a = (a + u32::from(*byte)) % 65521;
        b = (b + a) % 65521;
    }
    (b << 16) | a
}

/// The sample rate of the result tone, in Hz.
const TONE_RATE: u32 = 16_000;
/// The tone's length: one second.
const TONE_SAMPLES: usize = TONE_RATE as usize;
/// The bytes before the samples of a canonical WAV file.
const WAV_HEADER: usize = 44;

/// A WAV file (PCM, mono, 8-bit, [`TONE_RATE`] Hz) of `samples` samples: a 440 Hz tone for
/// the first second, faded in and out over 50 ms, then silence.
fn tone_wav(samples: usize) -> Vec<u8> {
    // Sizes past 4 GiB do not fit a WAV header; they are capped there.
    let data_len = u32::try_from(samples)
        .unwrap_or(u32::MAX - 36)
        .min(u32::MAX - 36);
    let mut out = Vec::with_capacity(WAV_HEADER + data_len as usize);
    out.extend_from_slice(b"RIFF");
    out.extend_from_slice(&(36 + data_len).to_le_bytes());
    out.extend_from_slice(b"WAVEfmt ");
    out.extend_from_slice(&16u32.to_le_bytes());
    out.extend_from_slice(&1u16.to_le_bytes()); // PCM
    out.extend_from_slice(&1u16.to_le_bytes()); // mono
    out.extend_from_slice(&TONE_RATE.to_le_bytes());
    out.extend_from_slice(&TONE_RATE.to_le_bytes()); // bytes a second
    out.extend_from_slice(&1u16.to_le_bytes()); // bytes a sample
    out.extend_from_slice(&8u16.to_le_bytes()); // bits a sample
    out.extend_from_slice(b"data");
    out.extend_from_slice(&data_len.to_le_bytes());
    let fade = TONE_SAMPLES / 20;
    out.extend((0..data_len as usize).map(|i| {
        if i >= TONE_SAMPLES {
            return 128; // 8-bit PCM is unsigned: 128 is silence
        }
        let gain = (i.min(TONE_SAMPLES - 1 - i).min(fade) as f64) / fade as f64;
        let phase = std::f64::consts::TAU * 440.0 * i as f64 / f64::from(TONE_RATE);
        (128.0 + 80.0 * gain * phase.sin()).round() as u8
    }));
    out
}

/// An ID3v2.3 tag: a `TIT2` (title) frame holding `title` unless it is empty, then `padding`
/// zero bytes (up to 256 MiB in all, what the tag's size field holds).
fn id3_tag(title: &str, padding: usize) -> Vec<u8> {
    let mut frames = Vec::new();
    if !title.is_empty() {
        let len = u32::try_from(1 + title.len()).unwrap_or(u32::MAX);
        frames.extend_from_slice(b"TIT2");
        frames.extend_from_slice(&len.to_be_bytes());
        frames.extend_from_slice(&[0, 0, 0]); // no flags; ISO-8859-1 text
        frames.extend_from_slice(title.as_bytes());
    }
    frames.resize(frames.len() + padding, 0);
    // The tag's size (after its 10-byte header) in four 7-bit bytes.
    let size = u32::try_from(frames.len())
        .unwrap_or(u32::MAX)
        .min(0x0FFF_FFFF);
    let mut out = b"ID3\x03\x00\x00".to_vec();
    out.extend((0..4).rev().map(|i| ((size >> (7 * i)) & 0x7F) as u8));
    out.extend(frames);
    out
}

/// An ISO-BMFF box: its size, its type, then `data`.
fn mp4_box(out: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]) {
    // Boxes here are far below 4 GiB.
    let len = u32::try_from(8 + data.len()).unwrap_or(u32::MAX);
    out.extend_from_slice(&len.to_be_bytes());
    out.extend_from_slice(kind);
    out.extend_from_slice(data);
}

/// The PNG file signature.
pub const PNG_SIGNATURE: [u8; 8] = [0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A];

const PNG_SIDE: u32 = 16;

/// A 16 × 16 RGB noise PNG of `size` bytes (or its minimum), padded with a private
/// ancillary chunk `moCk` that decoders skip.
fn noise_png(size: usize, noise: &mut Noise) -> Vec<u8> {
    let mut out = PNG_SIGNATURE.to_vec();
    let mut ihdr = Vec::with_capacity(13);
    ihdr.extend_from_slice(&PNG_SIDE.to_be_bytes());
    ihdr.extend_from_slice(&PNG_SIDE.to_be_bytes());
    ihdr.extend_from_slice(&[8, 2, 0, 0, 0]); // 8-bit RGB, deflate, no filter, no interlace
    chunk(&mut out, b"IHDR", &ihdr);
    // Raw scanlines: a filter byte (0) and the row's RGB pixels.
    let row = 1 + 3 * PNG_SIDE as usize;
    let mut raw = Vec::with_capacity(row * PNG_SIDE as usize);
    for _ in 0..PNG_SIDE {
        raw.push(0);
        raw.extend((0..row - 1).map(|_| noise.next_byte()));
    }
    chunk(&mut out, b"IDAT", &zlib_stored(&raw));
    // Padding chunk (12 bytes of framing) before IEND (12 bytes).
    let used = out.len() + 12 + 12;
    if size > used {
        let padding: Vec<u8> = (0..size - used).map(|_| noise.next_byte()).collect();
        chunk(&mut out, b"moCk", &padding);
    }
    chunk(&mut out, b"IEND", &[]);
    out
}

fn chunk(out: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]) {
    // Chunks here are far below 4 GiB.
    let len = u32::try_from(data.len()).unwrap_or(u32::MAX);
    out.extend_from_slice(&len.to_be_bytes());
    out.extend_from_slice(kind);
    out.extend_from_slice(data);
    let mut crc = Crc32::new();
    crc.update(kind);
    crc.update(data);
    out.extend_from_slice(&crc.finish().to_be_bytes());
}

/// A zlib stream of stored (uncompressed) deflate blocks.
fn zlib_stored(data: &[u8]) -> Vec<u8> {
    let mut out = vec![0x78, 0x01];
    let blocks: Vec<&[u8]> = data.chunks(0xFFFF).collect();
    for (i, block) in blocks.iter().enumerate() {
        out.push(u8::from(i + 1 == blocks.len()));
        let len = u16::try_from(block.len()).unwrap_or(u16::MAX);
        out.extend_from_slice(&len.to_le_bytes());
        out.extend_from_slice(&(!len).to_le_bytes());
        out.extend_from_slice(block);
    }
    out.extend_from_slice(&adler32(data).to_be_bytes());
    out
}

/// An MP4 of `size` bytes (or its minimum, 40): an `ftyp` box (brand `isom`), then a `free`
/// box of noise.
fn bare_mp4(size: usize, noise: &mut Noise) -> Vec<u8> {
    let mut out = Vec::with_capacity(size.max(40));
    let brands: [&[u8; 4]; 4] = [b"isom", b"iso2", b"avc1", b"mp41"];
    let ftyp_len: u32 = 8 + 4 + 4 + 4 * brands.len() as u32;
    out.extend_from_slice(&ftyp_len.to_be_bytes());
    out.extend_from_slice(b"ftyp");
    out.extend_from_slice(b"isom");
    out.extend_from_slice(&0x200u32.to_be_bytes());
    for brand in brands {
        out.extend_from_slice(brand);
    }
    let free_len = size.saturating_sub(out.len()).max(8);
    out.extend_from_slice(&u32::try_from(free_len).unwrap_or(u32::MAX).to_be_bytes());
    out.extend_from_slice(b"free");
    out.extend((0..free_len - 8).map(|_| noise.next_byte()));
    out
}

/// A PNG image `width` × `height` pixels, all white, to submit as an input image in tests.
///
/// A valid file: the signature, an `IHDR` with these sides (1-bit grayscale), the pixels in
/// one or more `IDAT` chunks (a zlib stream of stored deflate blocks, so about
/// `width × height / 8` bytes: 1280 × 720 is 116 KB), then `IEND`, every chunk with its
/// CRC. A side of 0 is written as it is, which no decoder accepts: useful for testing that
/// a client refuses such a header.
pub fn input_png(width: u32, height: u32) -> Vec<u8> {
    let mut ihdr = Vec::with_capacity(13);
    ihdr.extend_from_slice(&width.to_be_bytes());
    ihdr.extend_from_slice(&height.to_be_bytes());
    ihdr.extend_from_slice(&[1, 0, 0, 0, 0]); // 1-bit grayscale, deflate, no filter, no interlace
    // Each scanline: filter byte 0, then one bit per pixel, 1 for white (the unused bits at
    // the end of a row are ignored by decoders).
    let row = 1 + (width as usize).div_ceil(8);
    let mut raw = vec![0xFF; row * height as usize];
    for scanline in raw.chunks_mut(row) {
        scanline[0] = 0;
    }
    let idat = zlib_stored(&raw);
    let mut out = Vec::with_capacity(PNG_SIGNATURE.len() + 25 + idat.len() + 12 + 12);
    out.extend_from_slice(&PNG_SIGNATURE);
    chunk(&mut out, b"IHDR", &ihdr);
    chunk(&mut out, b"IDAT", &idat);
    chunk(&mut out, b"IEND", &[]);
    out
}

/// A baseline JPEG image `width` × `height` pixels, all mid-gray, to submit as an input
/// image in tests.
///
/// A valid file: `SOI`, a `JFIF` header, a quantisation table, `SOF0` with these sides (one
/// grayscale component), one DC and one AC Huffman table, `SOS`, the scan (two bits per 8 × 8
/// block, so about `width × height / 256` bytes: 1280 × 720 is 3.6 KB) and `EOI`.
pub fn input_jpeg(width: u16, height: u16) -> Vec<u8> {
    let blocks = usize::from(width).div_ceil(8) * usize::from(height).div_ceil(8);
    // Each block is a DC difference of 0 (category 0, code `0`) and an end of block (code
    // `0`): two zero bits. The last byte is padded with one bits, as JPEG requires; a byte
    // of zeros never needs 0xFF stuffing.
    let bits = 2 * blocks;
    let mut scan = vec![0u8; bits.div_ceil(8)];
    if let (Some(last), used @ 1..) = (scan.last_mut(), bits % 8) {
        *last = 0xFF >> used;
    }
    let mut out = Vec::with_capacity(2 + 18 + 69 + 13 + 2 * 22 + 10 + scan.len() + 2);
    out.extend_from_slice(&[0xFF, 0xD8]); // SOI
    // APP0 JFIF 1.01, no units, 1:1 pixel aspect, no thumbnail.
    segment(
        &mut out,
        0xE0,
        b"JFIF\0\x01\x01\x00\x00\x01\x00\x01\x00\x00",
    );
    // DQT: table 0, 8-bit, every coefficient 1.
    let mut dqt = vec![0u8];
    dqt.extend_from_slice(&[1; 64]);
    segment(&mut out, 0xDB, &dqt);
    // SOF0: 8-bit precision, height, width, one component (id 1, 1×1 sampling, table 0).
    let mut sof = vec![8];
    sof.extend_from_slice(&height.to_be_bytes());
    sof.extend_from_slice(&width.to_be_bytes());
    sof.extend_from_slice(&[1, 1, 0x11, 0]);
    segment(&mut out, 0xC0, &sof);
    // DHT: DC table 0 and AC table 0, each a single code of length 1 for symbol 0 (DC
    // category 0; AC end of block).
    for class in [0x00, 0x10] {
        let mut dht = vec![class, 1];
        dht.extend_from_slice(&[0; 15]);
        dht.push(0);
        segment(&mut out, 0xC4, &dht);
    }
    // SOS: one component (id 1, tables 0/0), spectral selection 0..=63, no approximation.
    segment(&mut out, 0xDA, &[1, 1, 0x00, 0, 63, 0]);
    out.extend_from_slice(&scan);
    out.extend_from_slice(&[0xFF, 0xD9]); // EOI
    out
}

/// A JPEG marker segment: `FF marker`, the length (including itself), then `data`.
fn segment(out: &mut Vec<u8>, marker: u8, data: &[u8]) {
    // Segments here are a few dozen bytes.
    let len = u16::try_from(data.len() + 2).unwrap_or(u16::MAX);
    out.extend_from_slice(&[0xFF, marker]);
    out.extend_from_slice(&len.to_be_bytes());
    out.extend_from_slice(data);
}

/// The sample rate of [`input_wav`], in Hz.
pub const INPUT_WAV_SAMPLE_RATE: u32 = 16_000;

/// A WAV file of `millis` milliseconds of silence, to submit as lip-sync audio in tests.
///
/// A valid file: a RIFF/WAVE header with a `fmt ` chunk (PCM, mono, 16-bit,
/// [`INPUT_WAV_SAMPLE_RATE`] Hz) and a `data` chunk of zero samples: 44 bytes, plus 32 KB a
/// second.
pub fn input_wav(millis: u32) -> Vec<u8> {
    const CHANNELS: u16 = 1;
    const BITS: u16 = 16;
    let block_align = CHANNELS * BITS / 8;
    let samples = u64::from(millis) * u64::from(INPUT_WAV_SAMPLE_RATE) / 1000;
    // Sizes past 4 GiB (over 37 hours) do not fit a WAV header; they are capped there.
    let max_data_len = (u32::MAX - 36) & !1;
    let data_len = u32::try_from(samples * u64::from(block_align))
        .map_or(max_data_len, |len| len.min(max_data_len));
    let mut out = Vec::with_capacity(44 + data_len as usize);
    out.extend_from_slice(b"RIFF");
    out.extend_from_slice(&(36 + data_len).to_le_bytes());
    out.extend_from_slice(b"WAVE");
    out.extend_from_slice(b"fmt ");
    out.extend_from_slice(&16u32.to_le_bytes());
    out.extend_from_slice(&1u16.to_le_bytes()); // PCM
    out.extend_from_slice(&CHANNELS.to_le_bytes());
    out.extend_from_slice(&INPUT_WAV_SAMPLE_RATE.to_le_bytes());
    let byte_rate = INPUT_WAV_SAMPLE_RATE * u32::from(block_align);
    out.extend_from_slice(&byte_rate.to_le_bytes());
    out.extend_from_slice(&block_align.to_le_bytes());
    out.extend_from_slice(&BITS.to_le_bytes());
    out.extend_from_slice(b"data");
    out.extend_from_slice(&data_len.to_le_bytes());
    out.resize(44 + data_len as usize, 0);
    out
}

/// A tiny deterministic byte source (xorshift64*), seeded from the task id and index.
struct Noise(u64);

impl Noise {
    fn new(task_id: &str, index: usize) -> Self {
        // FNV-1a over the id and the index.
        let mut h: u64 = 0xcbf2_9ce4_8422_2325;
        for b in task_id.bytes().chain((index as u64).to_le_bytes()) {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
        Noise(h | 1)
    }

    fn next_byte(&mut self) -> u8 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        (self.0.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 56) as u8
    }
}

/// CRC-32 (IEEE), as PNG chunks need.
struct Crc32(u32);

impl Crc32 {
    fn new() -> Self {
        Crc32(0xFFFF_FFFF)
    }

    fn update(&mut self, data: &[u8]) {
        for byte in data {
            self.0 ^= u32::from(*byte);
            for _ in 0..8 {
                let mask = (self.0 & 1).wrapping_neg();
                self.0 = (self.0 >> 1) ^ (0xEDB8_8320 & mask);
            }
        }
    }

    fn finish(&self) -> u32 {
        !self.0
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use serde_json::json;

    use super::*;

    #[test]
    fn crc32_matches_the_standard_check_value() {
        let mut crc = Crc32::new();
        crc.update(b"123456789");
        assert_eq!(crc.finish(), 0xCBF4_3926);
    }

    /// A finished task of `kind` whose create asked for `request`.
    fn task(task_id: &str, media: MediaKind, request: Value) -> MockTask {
        MockTask {
            task_id: task_id.to_owned(),
            kind: "text2video".to_owned(),
            operation_id: "create_text2video".to_owned(),
            external_task_id: None,
            request,
            created_at: 0,
            status: crate::task::Status::Succeed,
            polls: 2,
            timing: crate::task::Timing::default(),
            outcome: crate::task::Outcome::Succeed,
            results: 1,
            media,
        }
    }

    fn label(task_id: &str, index: usize) -> Vec<u8> {
        format!("nicerouter-kling mock: task {task_id} result {index}").into_bytes()
    }

    fn u32_be(bytes: &[u8]) -> u32 {
        u32::from_be_bytes(bytes[..4].try_into().unwrap())
    }

    /// The boxes of an ISO-BMFF byte range: type, payload; their sizes must tile it.
    fn boxes(mut data: &[u8]) -> Vec<([u8; 4], &[u8])> {
        let mut out = Vec::new();
        while !data.is_empty() {
            let size = u32_be(data) as usize;
            assert!(size >= 8 && size <= data.len(), "box size {size}");
            out.push((data[4..8].try_into().unwrap(), &data[8..size]));
            data = &data[size..];
        }
        out
    }

    fn child<'a>(parent: &'a [u8], kind: &[u8; 4]) -> &'a [u8] {
        boxes(parent)
            .into_iter()
            .find(|(k, _)| k == kind)
            .unwrap_or_else(|| panic!("no {:?} box", String::from_utf8_lossy(kind)))
            .1
    }

    #[test]
    fn clips_are_faststart_h264_baseline_mp4s() {
        for (clip, width, height) in [
            (CLIP_16X9, 160u16, 90u16),
            (CLIP_9X16, 90, 160),
            (CLIP_1X1, 128, 128),
        ] {
            assert!(clip.len() < 8 * 1024, "a few KB: {}", clip.len());
            let top = boxes(clip);
            let kinds: Vec<&[u8; 4]> = top.iter().map(|(k, _)| k).collect();
            assert_eq!(kinds, [b"ftyp", b"moov", b"free", b"mdat"], "moov first");
            assert_eq!(&top[0].1[..4], b"isom");
            assert!(top[3].1.len() > 1000, "the frames");
            let stbl = [b"trak", b"mdia", b"minf", b"stbl"]
                .into_iter()
                .fold(top[1].1, child);
            let stsd = child(stbl, b"stsd");
            assert_eq!(u32_be(&stsd[4..]), 1, "one sample entry");
            let entries = boxes(&stsd[8..]);
            let (kind, avc1) = entries[0];
            assert_eq!(&kind, b"avc1");
            // A visual sample entry: 24 bytes, then width and height, then 50 more.
            assert_eq!(avc1[24..26], width.to_be_bytes());
            assert_eq!(avc1[26..28], height.to_be_bytes());
            let avcc = child(&avc1[78..], b"avcC");
            assert_eq!(avcc[0], 1, "avcC version");
            assert_eq!(avcc[1], 66, "Baseline profile");
            // 24 samples (frames) of 2 s at 12 fps.
            let stsz = child(stbl, b"stsz");
            assert_eq!(u32_be(&stsz[8..]), 24);
        }
    }

    #[test]
    fn video_results_are_the_clip_of_the_aspect_ratio_naming_their_task() {
        for (ratio, clip) in [
            (Some("16:9"), CLIP_16X9),
            (Some("9:16"), CLIP_9X16),
            (Some("1:1"), CLIP_1X1),
            (Some("21:9"), CLIP_16X9),
            (Some("auto"), CLIP_16X9),
            (None, CLIP_16X9),
        ] {
            let request = ratio.map_or(json!({}), |r| json!({ "aspect_ratio": r }));
            let mp4 = result(
                &task("7", MediaKind::Video, request),
                0,
                MediaKind::Video,
                None,
            );
            assert_eq!(mp4[..clip.len()], *clip, "{ratio:?}");
            let rest = boxes(&mp4[clip.len()..]);
            assert_eq!(rest, [(*b"free", &label("7", 0)[..])]);
        }
        let nested = task(
            "7",
            MediaKind::Video,
            json!({"input": {"aspect_ratio": "9:16"}}),
        );
        assert!(result(&nested, 0, MediaKind::Video, None).starts_with(CLIP_9X16));
    }

    /// A zlib stream's data: stored and fixed-Huffman deflate blocks, header and Adler-32
    /// checked.
    fn inflate(zlib: &[u8]) -> Vec<u8> {
        const LENGTHS: [(usize, u32); 29] = [
            (3, 0),
            (4, 0),
            (5, 0),
            (6, 0),
            (7, 0),
            (8, 0),
            (9, 0),
            (10, 0),
            (11, 1),
            (13, 1),
            (15, 1),
            (17, 1),
            (19, 2),
            (23, 2),
            (27, 2),
            (31, 2),
            (35, 3),
            (43, 3),
            (51, 3),
            (59, 3),
            (67, 4),
            (83, 4),
            (99, 4),
            (115, 4),
            (131, 5),
            (163, 5),
            (195, 5),
            (227, 5),
            (258, 0),
        ];
        const DISTANCES: [(usize, u32); 30] = [
            (1, 0),
            (2, 0),
            (3, 0),
            (4, 0),
            (5, 1),
            (7, 1),
            (9, 2),
            (13, 2),
            (17, 3),
            (25, 3),
            (33, 4),
            (49, 4),
            (65, 5),
            (97, 5),
            (129, 6),
            (193, 6),
            (257, 7),
            (385, 7),
            (513, 8),
            (769, 8),
            (1025, 9),
            (1537, 9),
            (2049, 10),
            (3073, 10),
            (4097, 11),
            (6145, 11),
            (8193, 12),
            (12289, 12),
            (16385, 13),
            (24577, 13),
        ];
        assert_eq!(
            (u16::from(zlib[0]) << 8 | u16::from(zlib[1])) % 31,
            0,
            "FCHECK"
        );
        assert_eq!(zlib[0] & 0x0F, 8, "deflate");
        let mut at = 16; // in bits
        let mut bit = || {
            let b = u32::from(zlib[at / 8] >> (at % 8)) & 1;
            at += 1;
            b
        };
        let mut out: Vec<u8> = Vec::new();
        loop {
            let last = bit();
            let kind = bit() | bit() << 1;
            assert_eq!(kind, 1, "fixed Huffman codes");
            loop {
                let mut code = 0;
                for _ in 0..7 {
                    code = code << 1 | bit();
                }
                let symbol = if code <= 0x17 {
                    256 + code
                } else {
                    code = code << 1 | bit();
                    match code {
                        0x30..=0xBF => code - 0x30,
                        0xC0..=0xC7 => 280 + code - 0xC0,
                        _ => (code << 1 | bit()) - 0x190 + 144,
                    }
                };
                let extra = |bit: &mut dyn FnMut() -> u32, n: u32| {
                    (0..n).fold(0usize, |v, i| v | (bit() as usize) << i)
                };
                match symbol {
                    0..=255 => out.push(symbol as u8),
                    256 => break,
                    _ => {
                        let (base, n) = LENGTHS[symbol as usize - 257];
                        let length = base + extra(&mut bit, n);
                        let code = (0..5).fold(0, |c, _| c << 1 | bit());
                        let (base, n) = DISTANCES[code as usize];
                        let distance = base + extra(&mut bit, n);
                        for _ in 0..length {
                            out.push(out[out.len() - distance]);
                        }
                    }
                }
            }
            if last == 1 {
                break;
            }
        }
        let end = at.div_ceil(8);
        assert_eq!(zlib[end..], adler32(&out).to_be_bytes(), "Adler-32");
        out
    }

    #[test]
    fn zlib_runs_round_trips() {
        let mut noise = Noise::new("zlib", 0);
        let mut data: Vec<u8> = (0..5000).map(|_| noise.next_byte()).collect();
        for (run, byte) in [
            (3, 0),
            (258, 7),
            (259, 9),
            (1000, 255),
            (4, 144),
            (260, 143),
        ] {
            data.extend(std::iter::repeat_n(byte, run));
            data.push(noise.next_byte());
        }
        for data in [&data[..], &[], &[5], &[5, 5, 5, 5]] {
            assert_eq!(inflate(&zlib_runs(data)), data);
        }
    }

    /// A test card's pixels as palette indices, one row a vector.
    fn card_rows(png: &[u8]) -> (u32, u32, Vec<Vec<u8>>) {
        let chunks = png_chunks(png);
        let kinds: Vec<&[u8; 4]> = chunks.iter().map(|(kind, _)| kind).collect();
        assert_eq!(kinds, [b"IHDR", b"PLTE", b"IDAT", b"tEXt", b"IEND"]);
        let ihdr = &chunks[0].1;
        let (width, height) = (u32_be(ihdr), u32_be(&ihdr[4..]));
        assert_eq!(ihdr[8..], [8, 3, 0, 0, 0], "8-bit palette");
        assert_eq!(chunks[1].1, card_palette());
        assert_eq!(chunks[1].1.len(), 3 * 17);
        let raw = inflate(&chunks[2].1);
        assert_eq!(raw.len(), (1 + width as usize) * height as usize);
        let mut rows: Vec<Vec<u8>> = Vec::new();
        for line in raw.chunks(1 + width as usize) {
            let row: Vec<u8> = match (line[0], rows.last()) {
                (0, _) => line[1..].to_vec(),
                (2, Some(above)) => line[1..]
                    .iter()
                    .zip(above)
                    .map(|(d, a)| d.wrapping_add(*a))
                    .collect(),
                (filter, _) => panic!("filter {filter}"),
            };
            assert!(row.iter().all(|&p| p < 17), "in the palette");
            rows.push(row);
        }
        (width, height, rows)
    }

    #[test]
    fn image_results_are_test_cards_at_the_requested_aspect_ratio() {
        for (ratio, sides) in [
            (Some("16:9"), (640, 360)),
            (Some("9:16"), (360, 640)),
            (Some("1:1"), (640, 640)),
            (Some("4:3"), (640, 480)),
            (Some("3:2"), (640, 427)),
            (Some("2:3"), (427, 640)),
            (Some("21:9"), (640, 274)),
            (Some("auto"), (640, 360)),
            (Some("0:1"), (640, 360)),
            (None, (640, 360)),
        ] {
            let request = ratio.map_or(json!({}), |r| json!({ "aspect_ratio": r }));
            let png = result(
                &task("9", MediaKind::Image, request),
                1,
                MediaKind::Image,
                None,
            );
            assert!(png.len() < 12 * 1024, "{ratio:?}: {} bytes", png.len());
            let (width, height, rows) = card_rows(&png);
            assert_eq!((width, height), sides, "{ratio:?}");
            if let Some((w, h)) = ratio.and_then(|r| r.split_once(':')) {
                let (w, h): (f64, f64) = (w.parse().unwrap(), h.parse().unwrap());
                if w > 0.0 {
                    let error = f64::from(width) / f64::from(height) / (w / h) - 1.0;
                    assert!(error.abs() < 0.005, "{ratio:?}: {width} × {height}");
                }
            }
            // A white frame, the seven bars along the top, the ramp along the bottom.
            let (w, h) = (width as usize, height as usize);
            assert!(rows[0].iter().chain(&rows[h - 1]).all(|&p| p == WHITE));
            assert!(
                rows.iter()
                    .all(|row| row[0] == WHITE && row[w - 1] == WHITE)
            );
            let border = w.min(h) / 60;
            for (i, bar) in BARS.iter().enumerate() {
                assert_eq!(rows[border + 2][(2 * i + 1) * w / 14], *bar, "bar {i}");
            }
            for step in 0..8 {
                assert_eq!(
                    rows[h - border - 2][(2 * step + 1) * w / 16],
                    RAMP + step as u8
                );
            }
            // The circle and the cross are white.
            assert_eq!(rows[h / 2][w / 2], WHITE);
            assert_eq!(rows[h / 2][w / 2 - w.min(h) * 2 / 5], WHITE);
            let mut comment = b"Comment\0".to_vec();
            comment.extend(label("9", 1));
            assert_eq!(png_chunks(&png)[3].1, comment);
        }
    }

    #[test]
    fn wav_results_are_a_one_second_tone() {
        let wav = result(
            &task("3", MediaKind::Audio, json!({})),
            0,
            MediaKind::Audio,
            None,
        );
        let u16_at = |at: usize| u16::from_le_bytes([wav[at], wav[at + 1]]);
        let u32_at = |at: usize| u32::from_le_bytes(wav[at..at + 4].try_into().unwrap());
        assert_eq!(wav.len(), 44 + 16_000);
        assert_eq!(&wav[..4], b"RIFF");
        assert_eq!(u32_at(4) as usize, wav.len() - 8);
        assert_eq!(&wav[8..16], b"WAVEfmt ");
        assert_eq!(u32_at(16), 16, "fmt chunk size");
        assert_eq!(u16_at(20), 1, "PCM");
        assert_eq!(u16_at(22), 1, "mono");
        assert_eq!(u32_at(24), 16_000, "sample rate");
        assert_eq!(u32_at(28), 16_000, "byte rate");
        assert_eq!(u16_at(32), 1, "block align");
        assert_eq!(u16_at(34), 8, "bits per sample");
        assert_eq!(&wav[36..40], b"data");
        assert_eq!(u32_at(40), 16_000);
        let samples = &wav[44..];
        assert_eq!(
            (samples[0], samples[15_999]),
            (128, 128),
            "faded in and out"
        );
        assert_eq!(samples.iter().max(), Some(&208));
        assert_eq!(samples.iter().min(), Some(&48));
        // 440 Hz: 880 crossings of the middle a second, give or take the fades.
        let crossings = samples
            .windows(2)
            .filter(|w| (w[0] < 128) != (w[1] < 128))
            .count();
        assert!((860..=885).contains(&crossings), "{crossings}");
    }

    /// MPEG audio frame lengths, from their headers: MPEG-2 Layer III, no CRC.
    fn mp3_frames(mut data: &[u8]) -> usize {
        const KBPS: [usize; 15] = [0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160];
        const RATES: [usize; 3] = [22_050, 24_000, 16_000];
        let mut frames = 0;
        while !data.is_empty() {
            assert_eq!(
                data[..2],
                [0xFF, 0xF3],
                "frame sync, MPEG-2, Layer III, frame {frames}"
            );
            let kbps = KBPS[usize::from(data[2] >> 4)];
            let rate = RATES[usize::from(data[2] >> 2 & 3)];
            let padding = usize::from(data[2] >> 1 & 1);
            // The first frame, LAME's Info frame, may have a bitrate of its own.
            assert!(kbps == 32 || (frames == 0 && kbps > 0), "{kbps} kbit/s");
            assert_eq!(rate, 22_050);
            assert_eq!(data[3] >> 6, 3, "mono");
            let len = 72_000 * kbps / rate + padding;
            assert!(len <= data.len(), "frame {frames} is whole");
            data = &data[len..];
            frames += 1;
        }
        frames
    }

    #[test]
    fn mp3_results_are_mpeg_audio_frames_after_an_id3_title() {
        // 576 samples a frame at 22 050 Hz: about a second.
        assert!(
            (38..=45).contains(&mp3_frames(TONE_MP3)),
            "{}",
            mp3_frames(TONE_MP3)
        );
        let mp3 = result(
            &task("5", MediaKind::Audio, json!({})),
            0,
            MediaKind::AudioMp3,
            None,
        );
        assert_eq!(&mp3[..6], b"ID3\x03\x00\x00");
        let size = mp3[6..10]
            .iter()
            .fold(0usize, |s, &b| s << 7 | usize::from(b));
        let title = label("5", 0);
        assert_eq!(size, 11 + title.len());
        assert_eq!(&mp3[10..14], b"TIT2");
        assert_eq!(u32_be(&mp3[14..]) as usize, 1 + title.len());
        assert_eq!(mp3[18..21], [0, 0, 0]);
        assert_eq!(mp3[21..10 + size], title);
        assert_eq!(&mp3[10 + size..], TONE_MP3);
    }

    #[test]
    fn audio_tasks_serve_wav_and_mp3() {
        assert!(MediaKind::Audio.has_file(MediaKind::AudioMp3));
        assert!(MediaKind::Audio.has_file(MediaKind::Audio));
        assert!(!MediaKind::Video.has_file(MediaKind::AudioMp3));
        assert!(!MediaKind::AudioMp3.has_file(MediaKind::Audio));
        assert_eq!(MediaKind::AudioMp3.content_type(), "audio/mpeg");
    }

    /// Whether a file of `kind` is whole by its own structure.
    fn assert_whole(kind: MediaKind, file: &[u8]) {
        match kind {
            MediaKind::Video => {
                let top = boxes(file);
                assert_eq!(&top[0].0, b"ftyp");
            }
            MediaKind::Image => {
                let chunks = png_chunks(file);
                assert_eq!(&chunks.last().unwrap().0, b"IEND");
            }
            MediaKind::Audio => {
                let riff = u32::from_le_bytes(file[4..8].try_into().unwrap()) as usize;
                let data = u32::from_le_bytes(file[40..44].try_into().unwrap()) as usize;
                assert_eq!((riff + 8, data + 44), (file.len(), file.len()));
            }
            MediaKind::AudioMp3 => {
                assert_eq!(&file[..3], b"ID3");
                let size = file[6..10]
                    .iter()
                    .fold(0usize, |s, &b| s << 7 | usize::from(b));
                let frames = &file[10 + size..];
                assert!(frames.is_empty() || frames == TONE_MP3);
            }
        }
    }

    #[test]
    fn sized_results_are_exactly_the_size_asked_for() {
        let kinds = [
            MediaKind::Video,
            MediaKind::Image,
            MediaKind::Audio,
            MediaKind::AudioMp3,
        ];
        for kind in kinds {
            let media = if kind == MediaKind::AudioMp3 {
                MediaKind::Audio
            } else {
                kind
            };
            let t = task("814570891207524415", media, json!({"aspect_ratio": "9:16"}));
            let natural = result(&t, 0, kind, None);
            for size in [
                1_000,
                4_096,
                natural.len(),
                natural.len() + 1,
                100_000,
                1 << 20,
            ] {
                let file = result(&t, 0, kind, Some(size));
                assert_eq!(file.len(), size, "{kind:?} of {size} bytes");
                assert_whole(kind, &file);
                if size >= natural.len() && matches!(kind, MediaKind::Video | MediaKind::Image) {
                    // The same file, with padding where decoders skip.
                    assert_eq!(file[..64], natural[..64], "{kind:?}");
                }
            }
            // Below the headers: the format's minimum.
            assert_whole(kind, &result(&t, 0, kind, Some(0)));
        }
        // Sized WAV files keep the tone and add silence.
        let t = task("1", MediaKind::Audio, json!({}));
        let long = result(&t, 0, MediaKind::Audio, Some(100_000));
        assert_eq!(
            long[44..44 + 16_000],
            result(&t, 0, MediaKind::Audio, None)[44..]
        );
        assert!(long[44 + 16_000..].iter().all(|&b| b == 128));
    }

    #[test]
    fn results_are_deterministic_and_differ_per_task_and_index() {
        for (kind, size) in [
            (MediaKind::Video, None),
            (MediaKind::Video, Some(512)),
            (MediaKind::Image, None),
            (MediaKind::Image, Some(512)),
            (MediaKind::AudioMp3, None),
        ] {
            let one = task("1", MediaKind::Video, json!({}));
            let a = result(&one, 0, kind, size);
            assert_eq!(a, result(&one, 0, kind, size));
            assert_ne!(
                a,
                result(&task("2", MediaKind::Video, json!({})), 0, kind, size)
            );
            assert_ne!(a, result(&one, 1, kind, size));
        }
    }

    /// The chunks of a PNG after its signature, each checked against its CRC.
    fn png_chunks(png: &[u8]) -> Vec<([u8; 4], Vec<u8>)> {
        assert_eq!(png[..8], PNG_SIGNATURE);
        let mut chunks = Vec::new();
        let mut rest = &png[8..];
        while !rest.is_empty() {
            let len = u32::from_be_bytes(rest[..4].try_into().unwrap()) as usize;
            let kind: [u8; 4] = rest[4..8].try_into().unwrap();
            let data = rest[8..8 + len].to_vec();
            let crc = u32::from_be_bytes(rest[8 + len..12 + len].try_into().unwrap());
            let mut expected = Crc32::new();
            expected.update(&kind);
            expected.update(&data);
            assert_eq!(
                crc,
                expected.finish(),
                "CRC of {:?}",
                String::from_utf8_lossy(&kind)
            );
            chunks.push((kind, data));
            rest = &rest[12 + len..];
        }
        chunks
    }

    /// The data of a zlib stream made of stored deflate blocks, its header and Adler-32 checked.
    fn inflate_stored(zlib: &[u8]) -> Vec<u8> {
        assert_eq!(
            (u16::from(zlib[0]) << 8 | u16::from(zlib[1])) % 31,
            0,
            "zlib FCHECK"
        );
        assert_eq!(zlib[0] & 0x0F, 8, "deflate");
        let mut out = Vec::new();
        let mut at = 2;
        loop {
            let header = zlib[at];
            assert_eq!(header >> 1, 0, "a stored block");
            let len = u16::from_le_bytes([zlib[at + 1], zlib[at + 2]]);
            let nlen = u16::from_le_bytes([zlib[at + 3], zlib[at + 4]]);
            assert_eq!(nlen, !len);
            out.extend_from_slice(&zlib[at + 5..at + 5 + usize::from(len)]);
            at += 5 + usize::from(len);
            if header & 1 == 1 {
                break;
            }
        }
        let (mut a, mut b) = (1u32, 0u32);
        for byte in &out {
            a = (a + u32::from(*byte)) % 65521;
            b = (b + a) % 65521;
        }
        assert_eq!(zlib[at..], ((b << 16) | a).to_be_bytes(), "Adler-32");
        out
    }

    #[test]
    fn input_png_is_a_complete_png_of_the_requested_sides() {
        for (width, height) in [(1280, 720), (300, 750), (1, 1), (9, 3), (2048, 300)] {
            let png = input_png(width, height);
            let chunks = png_chunks(&png);
            let kinds: Vec<&[u8; 4]> = chunks.iter().map(|(kind, _)| kind).collect();
            assert_eq!(kinds, [b"IHDR", b"IDAT", b"IEND"]);
            let ihdr = &chunks[0].1;
            assert_eq!(ihdr[..4], width.to_be_bytes());
            assert_eq!(ihdr[4..8], height.to_be_bytes());
            assert_eq!(ihdr[8..], [1, 0, 0, 0, 0]);
            // Where imagesize and other header readers look.
            assert_eq!(png[16..20], width.to_be_bytes());
            assert_eq!(png[20..24], height.to_be_bytes());
            let raw = inflate_stored(&chunks[1].1);
            let row = 1 + (width as usize).div_ceil(8);
            assert_eq!(raw.len(), row * height as usize);
            for scanline in raw.chunks(row) {
                assert_eq!(scanline[0], 0, "filter type None");
                assert!(scanline[1..].iter().all(|&b| b == 0xFF));
            }
        }
        // Over 64 KiB of pixels spans several stored blocks.
        let big = input_png(1280, 720);
        assert_eq!(inflate_stored(&png_chunks(&big)[1].1).len(), 161 * 720);
    }

    #[test]
    fn input_jpeg_is_a_complete_baseline_jpeg_of_the_requested_sides() {
        for (width, height) in [(1280u16, 720u16), (300, 750), (1, 1), (9, 17), (8, 8)] {
            let jpeg = input_jpeg(width, height);
            assert_eq!(jpeg[..2], [0xFF, 0xD8]);
            assert_eq!(jpeg[jpeg.len() - 2..], [0xFF, 0xD9]);
            // Walk the marker segments up to the scan.
            let mut markers = Vec::new();
            let mut at = 2;
            let sof = loop {
                assert_eq!(jpeg[at], 0xFF);
                let marker = jpeg[at + 1];
                let len = usize::from(u16::from_be_bytes([jpeg[at + 2], jpeg[at + 3]]));
                let data = &jpeg[at + 4..at + 2 + len];
                markers.push(marker);
                at += 2 + len;
                if marker == 0xC0 {
                    assert_eq!(data[0], 8, "8-bit precision");
                    assert_eq!(data[1..3], height.to_be_bytes());
                    assert_eq!(data[3..5], width.to_be_bytes());
                    assert_eq!(data[5..], [1, 1, 0x11, 0]);
                }
                if marker == 0xC4 {
                    let counts = &data[1..17];
                    assert_eq!(counts.iter().map(|&c| usize::from(c)).sum::<usize>(), 1);
                    assert_eq!(data.len(), 18);
                }
                if marker == 0xDA {
                    break markers;
                }
            };
            assert_eq!(sof, [0xE0, 0xDB, 0xC0, 0xC4, 0xC4, 0xDA]);
            // The scan: two bits per 8 × 8 block, padded with ones, never a 0xFF byte.
            let scan = &jpeg[at..jpeg.len() - 2];
            let blocks = usize::from(width).div_ceil(8) * usize::from(height).div_ceil(8);
            assert_eq!(scan.len(), (2 * blocks).div_ceil(8));
            assert!(scan.iter().all(|&b| b != 0xFF));
            let padding = (8 - 2 * blocks % 8) % 8;
            assert_eq!(scan[scan.len() - 1], (1u16 << padding) as u8 - 1);
        }
    }

    #[test]
    fn input_wav_is_pcm_silence_of_the_requested_length() {
        for millis in [0, 1, 2_000, 3_500] {
            let wav = input_wav(millis);
            let data_len = millis as usize * 16 * 2;
            assert_eq!(wav.len(), 44 + data_len);
            let u16_at = |at: usize| u16::from_le_bytes([wav[at], wav[at + 1]]);
            let u32_at = |at: usize| u32::from_le_bytes(wav[at..at + 4].try_into().unwrap());
            assert_eq!(&wav[..4], b"RIFF");
            assert_eq!(u32_at(4) as usize, wav.len() - 8);
            assert_eq!(&wav[8..16], b"WAVEfmt ");
            assert_eq!(u32_at(16), 16, "fmt chunk size");
            assert_eq!(u16_at(20), 1, "PCM");
            assert_eq!(u16_at(22), 1, "mono");
            assert_eq!(u32_at(24), INPUT_WAV_SAMPLE_RATE);
            assert_eq!(u32_at(28), INPUT_WAV_SAMPLE_RATE * 2, "byte rate");
            assert_eq!(u16_at(32), 2, "block align");
            assert_eq!(u16_at(34), 16, "bits per sample");
            assert_eq!(&wav[36..40], b"data");
            assert_eq!(u32_at(40) as usize, data_len);
            assert!(wav[44..].iter().all(|&b| b == 0));
        }
    }
}
