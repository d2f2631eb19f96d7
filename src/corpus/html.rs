//! HTML pages to article text and page metadata.
