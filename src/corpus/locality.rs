//! The gazetteer: place names to province › city › county › township.
