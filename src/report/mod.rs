//! TODO(owner): module essay.
