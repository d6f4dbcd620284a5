//! Inventory bookkeeping for a small shop.

pub mod tokenizer;

use std::collections::BTreeMap;
use std::fmt;

#[derive(Debug, Clone, PartialEq)]
pub enum StockError {
    UnknownItem(String),
    NotEnough { item: String, wanted: u32, available: u32 },
}

impl fmt::Display for StockError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StockError::UnknownItem(name) => write!(f, "unknown item: {name}"),
            StockError::NotEnough { item, wanted, available } => {
                write!(f, "not enough {item}: wanted {wanted}, only {available} left")
            }
        }
    }
}

impl std::error::Error for StockError {}

#[derive(Debug, Default)]
pub struct Inventory {
    items: BTreeMap<String, u32>,
}

impl Inventory {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn restock(&mut self, name: &str, amount: u32) {
        *self.items.entry(name.to_string()).or_insert(0) += amount;
    }

    pub fn take(&mut self, name: &str, amount: u32) -> Result<u32, StockError> {
        let available = self
            .items
            .get_mut(name)
            .ok_or_else(|| StockError::UnknownItem(name.to_string()))?;
        if *available < amount {
            return Err(StockError::NotEnough { item: name.to_string(), wanted: amount, available: *available });
        }
        *available -= amount;
        Ok(*available)
    }

    pub fn low_stock(&self, threshold: u32) -> Vec<&str> {
        self.items
            .iter()
            .filter(|(_, &count)| count < threshold)
            .map(|(name, _)| name.as_str())
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn take_reduces_stock() {
        let mut inv = Inventory::new();
        inv.restock("apples", 10);
        assert_eq!(inv.take("apples", 3), Ok(7));
        assert!(matches!(inv.take("apples", 30), Err(StockError::NotEnough { .. })));
        assert_eq!(inv.take("pears", 1), Err(StockError::UnknownItem("pears".into())));
    }
}
