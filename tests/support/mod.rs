//! The mock IAM Identity Center and test helpers.
