//! TODO(owner): sample data generator.
