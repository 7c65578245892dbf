//! Media files: the results the mock serves, and inputs for tests to submit.
//!
//! - [`bytes`]: deterministic result media (real PNG and MP4 signatures), bytes that depend
//!   only on the task.
//! - [`input_png`], [`input_jpeg`], [`input_wav`]: small valid files of the size you ask for,
//!   for tests (and examples) that send a local image or audio file: write one to a
//!   temporary directory and pass its path to your client. They are real files (correct
//!   chunk CRCs, markers and headers) that decoders open, so a client that checks an image's
//!   format, sides and aspect ratio, or an audio file's format, sees what it would see in
//!   a photo or a recording.
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
}

impl MediaKind {
    /// The file extension used in result URLs.
    pub fn extension(self) -> &'static str {
        match self {
            MediaKind::Video => "mp4",
            MediaKind::Image => "png",
            MediaKind::Audio => "wav",
        }
    }

    /// The `Content-Type` the file is served with.
    pub fn content_type(self) -> &'static str {
        match self {
            MediaKind::Video => "video/mp4",
            MediaKind::Image => "image/png",
            MediaKind::Audio => "audio/wav",
        }
    }
}

/// The bytes of result `index` of task `task_id`: the same every time, different for every
/// task and index, exactly `size` bytes long (or the format's minimum, if `size` is smaller).
///
/// - PNG: a valid 16 × 16 RGB image (signature, `IHDR`, a stored-deflate `IDAT`), padded with
///   a private ancillary chunk `moCk` that decoders skip, then `IEND`.
/// - MP4: an `ftyp` box (brand `isom`), then a `free` box of padding.
pub fn bytes(kind: MediaKind, task_id: &str, index: usize, size: usize) -> Vec<u8> {
    let mut noise = Noise::new(task_id, index);
    match kind {
        MediaKind::Image => png(size, &mut noise),
        MediaKind::Video => mp4(size, &mut noise),
        MediaKind::Audio => wav(size, &mut noise),
    }
}

/// The PNG file signature.
pub const PNG_SIGNATURE: [u8; 8] = [0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A];

const PNG_SIDE: u32 = 16;

fn png(size: usize, noise: &mut Noise) -> Vec<u8> {
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
    let (mut a, mut b) = (1u32, 0u32);
    for byte in data {
        a = (a + u32::from(*byte)) % 65521;
        b = (b + a) % 65521;
    }
    out.extend_from_slice(&((b << 16) | a).to_be_bytes());
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

/// A WAV header and `size` bytes in all (at least the 44-byte header) of quiet noise, so that
/// every task's audio differs.
fn wav(size: usize, noise: &mut Noise) -> Vec<u8> {
    let mut out = input_wav(0);
    let header = out.len();
    let total = size.max(header);
    let data_len = u32::try_from(total - header).unwrap_or(u32::MAX - 36) & !1;
    out[4..8].copy_from_slice(&(36 + data_len).to_le_bytes());
    out[40..44].copy_from_slice(&data_len.to_le_bytes());
    // Small sample values: a faint hiss rather than loud noise.
    out.extend((0..data_len).map(|i| {
        if i % 2 == 0 {
            noise.next_byte() & 0x0F
        } else {
            0
        }
    }));
    out
}

fn mp4(size: usize, noise: &mut Noise) -> Vec<u8> {
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

    use super::*;

    #[test]
    fn crc32_matches_the_standard_check_value() {
        let mut crc = Crc32::new();
        crc.update(b"123456789");
        assert_eq!(crc.finish(), 0xCBF4_3926);
    }

    #[test]
    fn png_has_signature_ihdr_and_the_requested_size() {
        let png = bytes(MediaKind::Image, "814570891207524415", 0, 4096);
        assert_eq!(png.len(), 4096);
        assert_eq!(png[..8], PNG_SIGNATURE);
        assert_eq!(&png[12..16], b"IHDR");
        assert_eq!(&png[png.len() - 8..png.len() - 4], b"IEND");
        // A minimal size still yields a complete file.
        let small = bytes(MediaKind::Image, "1", 0, 0);
        assert_eq!(&small[small.len() - 8..small.len() - 4], b"IEND");
    }

    #[test]
    fn mp4_has_ftyp_and_the_requested_size() {
        let mp4 = bytes(MediaKind::Video, "814570891207524415", 0, 1000);
        assert_eq!(mp4.len(), 1000);
        assert_eq!(&mp4[4..8], b"ftyp");
        assert_eq!(&mp4[8..12], b"isom");
        assert_eq!(&mp4[36..40], b"free");
    }

    #[test]
    fn bytes_are_deterministic_and_differ_per_task_and_index() {
        let a = bytes(MediaKind::Video, "1", 0, 512);
        assert_eq!(a, bytes(MediaKind::Video, "1", 0, 512));
        assert_ne!(a, bytes(MediaKind::Video, "2", 0, 512));
        assert_ne!(a, bytes(MediaKind::Video, "1", 1, 512));
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
