//! Deterministic result media: real PNG and MP4 signatures, bytes that depend only on the task.

/// What a result file is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MediaKind {
    /// A video result, served as `video/mp4`.
    Video,
    /// An image result, served as `image/png`.
    Image,
}

impl MediaKind {
    /// The file extension used in result URLs.
    pub fn extension(self) -> &'static str {
        match self {
            MediaKind::Video => "mp4",
            MediaKind::Image => "png",
        }
    }

    /// The `Content-Type` the file is served with.
    pub fn content_type(self) -> &'static str {
        match self {
            MediaKind::Video => "video/mp4",
            MediaKind::Image => "image/png",
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
}
