//! Round trips through real shells.
