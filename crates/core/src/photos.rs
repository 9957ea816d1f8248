//! The optional photo of an inspection: its type recognised from the bytes themselves (JPEG, PNG
//! or WebP), a size limit, and the SHA-256 digest it is stored with.
//!
//! The declared type of an upload is never trusted: a file is a JPEG because it starts like one.

use sha2::{Digest, Sha256};

/// The largest photo accepted, in bytes: 5 MiB.
pub const MAX_PHOTO_BYTES: usize = 5 * 1024 * 1024;

/// The image formats a photo may have.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PhotoType {
    /// `image/jpeg`.
    Jpeg,
    /// `image/png`.
    Png,
    /// `image/webp`.
    Webp,
}

impl PhotoType {
    /// Every type, in the order messages list them.
    pub const ALL: &'static [PhotoType] = &[PhotoType::Jpeg, PhotoType::Png, PhotoType::Webp];

    /// The MIME type, as stored and served.
    pub fn mime(self) -> &'static str {
        match self {
            PhotoType::Jpeg => "image/jpeg",
            PhotoType::Png => "image/png",
            PhotoType::Webp => "image/webp",
        }
    }

    /// The type of a MIME string (`image/jpg` is read as JPEG too).
    pub fn from_mime(mime: &str) -> Option<PhotoType> {
        match mime.trim().to_ascii_lowercase().as_str() {
            "image/jpeg" | "image/jpg" => Some(PhotoType::Jpeg),
            "image/png" => Some(PhotoType::Png),
            "image/webp" => Some(PhotoType::Webp),
            _ => None,
        }
    }

    /// The type the bytes are, by their magic numbers; `None` for anything else.
    ///
    /// # Examples
    ///
    /// ```
    /// use wangge_core::PhotoType;
    /// assert_eq!(PhotoType::sniff(b"\x89PNG\r\n\x1a\n...."), Some(PhotoType::Png));
    /// assert_eq!(PhotoType::sniff(b"\xff\xd8\xff\xe0...."), Some(PhotoType::Jpeg));
    /// assert_eq!(PhotoType::sniff(b"RIFF\x10\0\0\0WEBPVP8 "), Some(PhotoType::Webp));
    /// assert_eq!(PhotoType::sniff(b"GIF89a"), None);
    /// ```
    pub fn sniff(bytes: &[u8]) -> Option<PhotoType> {
        if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
            Some(PhotoType::Jpeg)
        } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
            Some(PhotoType::Png)
        } else if bytes.len() >= 12 && bytes.starts_with(b"RIFF") && &bytes[8..12] == b"WEBP" {
            Some(PhotoType::Webp)
        } else {
            None
        }
    }
}

impl std::fmt::Display for PhotoType {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.mime())
    }
}

/// Why a photo was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PhotoError {
    /// No bytes at all.
    #[error("the photo is empty")]
    Empty,
    /// More bytes than [`MAX_PHOTO_BYTES`].
    #[error("the photo has {0} bytes, more than the 5 MiB (5242880 bytes) allowed")]
    TooLarge(usize),
    /// The bytes are not a JPEG, PNG or WebP image.
    #[error("the photo is not a JPEG, PNG or WebP image (its first bytes are {0})")]
    NotAnImage(String),
    /// The bytes are one type and the photo says it is another.
    #[error("the photo says it is {declared} but its bytes are {found}")]
    WrongType {
        /// The type the photo claims.
        declared: PhotoType,
        /// The type its bytes are.
        found: PhotoType,
    },
}

/// A photo with its bytes. Build one with [`Photo::from_bytes`]; stores check it again with
/// [`Photo::check`] before writing, since the fields are public.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Photo {
    /// The image type.
    pub mime: PhotoType,
    /// The image file.
    pub bytes: Vec<u8>,
}

impl Photo {
    /// A photo from the bytes of an image file, its type read from the bytes.
    ///
    /// # Examples
    ///
    /// ```
    /// use wangge_core::{Photo, PhotoError, PhotoType};
    /// let photo = Photo::from_bytes(b"\x89PNG\r\n\x1a\nrest".to_vec()).expect("a PNG");
    /// assert_eq!(photo.mime, PhotoType::Png);
    /// assert!(matches!(Photo::from_bytes(b"%PDF-1.7".to_vec()), Err(PhotoError::NotAnImage(_))));
    /// ```
    pub fn from_bytes(bytes: Vec<u8>) -> Result<Photo, PhotoError> {
        let mime = check_bytes(&bytes)?;
        Ok(Photo { mime, bytes })
    }

    /// Checks the size and that the bytes are the type the photo says.
    pub fn check(&self) -> Result<(), PhotoError> {
        let found = check_bytes(&self.bytes)?;
        if found != self.mime {
            return Err(PhotoError::WrongType {
                declared: self.mime,
                found,
            });
        }
        Ok(())
    }

    /// Type, size and digest.
    pub fn info(&self) -> PhotoInfo {
        PhotoInfo {
            mime: self.mime,
            size: self.bytes.len() as u64,
            sha256: sha256_hex(&self.bytes),
        }
    }
}

/// What is known of a stored photo without reading its bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PhotoInfo {
    /// The image type.
    pub mime: PhotoType,
    /// Its size in bytes.
    pub size: u64,
    /// The SHA-256 of its bytes, in lower-case hex.
    pub sha256: String,
}

/// The SHA-256 of some bytes in lower-case hex.
pub fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The type of the bytes, after the size checks.
fn check_bytes(bytes: &[u8]) -> Result<PhotoType, PhotoError> {
    if bytes.is_empty() {
        return Err(PhotoError::Empty);
    }
    if bytes.len() > MAX_PHOTO_BYTES {
        return Err(PhotoError::TooLarge(bytes.len()));
    }
    PhotoType::sniff(bytes).ok_or_else(|| {
        let head: Vec<String> = bytes.iter().take(8).map(|b| format!("{b:02x}")).collect();
        PhotoError::NotAnImage(head.join(" "))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_type_comes_from_the_bytes_and_the_size_is_limited() {
        let png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec();
        let photo = Photo::from_bytes(png.clone()).expect("a PNG");
        assert_eq!(photo.info().size, png.len() as u64);
        assert_eq!(photo.info().sha256.len(), 64);
        let lying = Photo {
            mime: PhotoType::Jpeg,
            bytes: png,
        };
        assert_eq!(
            lying.check(),
            Err(PhotoError::WrongType {
                declared: PhotoType::Jpeg,
                found: PhotoType::Png
            })
        );
        assert_eq!(Photo::from_bytes(Vec::new()), Err(PhotoError::Empty));
        let mut big = vec![0xFF, 0xD8, 0xFF];
        big.resize(MAX_PHOTO_BYTES + 1, 0);
        assert_eq!(
            Photo::from_bytes(big),
            Err(PhotoError::TooLarge(MAX_PHOTO_BYTES + 1))
        );
        let mut limit = vec![0xFF, 0xD8, 0xFF];
        limit.resize(MAX_PHOTO_BYTES, 0);
        assert!(Photo::from_bytes(limit).is_ok());
        assert!(Photo::from_bytes(b"RIFF\0\0\0\0WAVE".to_vec()).is_err());
        assert_eq!(PhotoType::from_mime("image/JPG"), Some(PhotoType::Jpeg));
        assert_eq!(PhotoType::from_mime("image/gif"), None);
    }
}
