//! SKELETON: media inputs (images, audio).
