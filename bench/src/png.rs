//! Large "valid-enough" PNG files: the signature, a real `IHDR` with the requested size, one
//! `IDAT` chunk of filler (not a decodable image: only the header is ever sniffed) and `IEND`,
//! every chunk with its correct CRC.

use std::io::{self, BufWriter, Write};
use std::path::Path;

use crate::stats::SplitMix64;

const SIGNATURE: [u8; 8] = [0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A];
/// Bytes of a PNG besides the filler: signature, `IHDR` (12 + 13), `IDAT`'s framing (12), `IEND` (12).
const FRAMING: usize = 8 + 25 + 12 + 12;

/// Writes a PNG of `width` × `height` pixels that is exactly `total_bytes` long.
pub fn write(path: &Path, width: u32, height: u32, total_bytes: usize) -> io::Result<()> {
    let filler_len = total_bytes.checked_sub(FRAMING).ok_or_else(|| {
        io::Error::new(io::ErrorKind::InvalidInput, "a PNG needs at least 57 bytes")
    })?;
    let filler_len_u32 = u32::try_from(filler_len)
        .map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, "PNG chunk too large"))?;
    let mut out = BufWriter::new(std::fs::File::create(path)?);
    out.write_all(&SIGNATURE)?;
    let mut ihdr = Vec::with_capacity(13);
    ihdr.extend_from_slice(&width.to_be_bytes());
    ihdr.extend_from_slice(&height.to_be_bytes());
    // 8-bit RGB, deflate, adaptive filtering, no interlace.
    ihdr.extend_from_slice(&[8, 2, 0, 0, 0]);
    chunk(&mut out, b"IHDR", &ihdr)?;

    // Filler: pseudo-random bytes, written in blocks, the CRC computed as they go.
    out.write_all(&filler_len_u32.to_be_bytes())?;
    out.write_all(b"IDAT")?;
    let mut crc = Crc32::new();
    crc.update(b"IDAT");
    let mut rng = SplitMix64::new(0x1D47);
    let mut block = vec![0u8; 64 * 1024];
    let mut left = filler_len;
    while left > 0 {
        let n = left.min(block.len());
        for word in block[..n].chunks_mut(8) {
            let bytes = rng.next_u64().to_le_bytes();
            word.copy_from_slice(&bytes[..word.len()]);
        }
        crc.update(&block[..n]);
        out.write_all(&block[..n])?;
        left -= n;
    }
    out.write_all(&crc.finish().to_be_bytes())?;
    chunk(&mut out, b"IEND", &[])?;
    out.flush()
}

fn chunk(out: &mut impl Write, kind: &[u8; 4], data: &[u8]) -> io::Result<()> {
    let len = u32::try_from(data.len())
        .map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, "PNG chunk too large"))?;
    out.write_all(&len.to_be_bytes())?;
    out.write_all(kind)?;
    out.write_all(data)?;
    let mut crc = Crc32::new();
    crc.update(kind);
    crc.update(data);
    out.write_all(&crc.finish().to_be_bytes())
}

/// CRC-32 (IEEE, as PNG uses), table-driven.
struct Crc32 {
    table: [u32; 256],
    value: u32,
}

impl Crc32 {
    fn new() -> Self {
        let mut table = [0u32; 256];
        for (i, entry) in table.iter_mut().enumerate() {
            let mut c = i as u32;
            for _ in 0..8 {
                c = if c & 1 == 1 {
                    0xEDB8_8320 ^ (c >> 1)
                } else {
                    c >> 1
                };
            }
            *entry = c;
        }
        Self {
            table,
            value: 0xFFFF_FFFF,
        }
    }

    fn update(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.value =
                self.table[((self.value ^ u32::from(b)) & 0xFF) as usize] ^ (self.value >> 8);
        }
    }

    fn finish(&self) -> u32 {
        self.value ^ 0xFFFF_FFFF
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]
    use super::*;

    #[test]
    fn crc_matches_the_reference_value() {
        let mut crc = Crc32::new();
        crc.update(b"123456789");
        assert_eq!(crc.finish(), 0xCBF4_3926);
        // The CRC of an empty IEND chunk, as found at the end of every PNG.
        let mut iend = Crc32::new();
        iend.update(b"IEND");
        assert_eq!(iend.finish(), 0xAE42_6082);
    }

    #[test]
    fn the_file_has_the_size_and_the_header_asked_for() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("x.png");
        write(&path, 1800, 1200, 200_000).unwrap();
        let bytes = std::fs::read(&path).unwrap();
        assert_eq!(bytes.len(), 200_000);
        assert_eq!(&bytes[..8], &SIGNATURE);
        assert_eq!(&bytes[12..16], b"IHDR");
        assert_eq!(u32::from_be_bytes(bytes[16..20].try_into().unwrap()), 1800);
        assert_eq!(u32::from_be_bytes(bytes[20..24].try_into().unwrap()), 1200);
        assert_eq!(&bytes[bytes.len() - 8..bytes.len() - 4], b"IEND");
        assert!(write(&path, 1, 1, 10).is_err());
    }

    #[test]
    fn the_wrapper_accepts_it_as_an_image() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("x.png");
        write(&path, 1800, 1800, 100_000).unwrap();
        let client = nicerouter_kling::Client::builder()
            .api_key("k")
            .base_url("http://127.0.0.1:9")
            .build()
            .unwrap();
        let body = client
            .image_to_video()
            .image(nicerouter_kling::media::ImageInput::path(&path))
            .build()
            .unwrap();
        assert_eq!(
            body.image.as_deref().map_or(0, |s| s.len()),
            100_000usize.div_ceil(3) * 4
        );
    }
}
