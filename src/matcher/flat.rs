//! Lists of lists laid end to end.

use std::ops::Index;

/// Many short lists in one vector: list `i` is
/// `items[starts[i]..starts[i + 1]]`. A matcher holds one list per term
/// (several thousand), and a vector for each would cost its header and its
/// own allocation; laid end to end, a document's lists are also read from
/// one place.
#[derive(Debug, Default)]
pub struct Flat<T> {
    items: Vec<T>,
    starts: Vec<u32>,
}

impl<T> Flat<T> {
    /// The lists, in order.
    pub fn new(lists: impl IntoIterator<Item = impl IntoIterator<Item = T>>) -> Self {
        let mut items = Vec::new();
        let mut starts = vec![0];
        for list in lists {
            items.extend(list);
            starts.push(u32::try_from(items.len()).expect("fewer than 2^32 items"));
        }
        items.shrink_to_fit();
        starts.shrink_to_fit();
        Self { items, starts }
    }
}

impl<T> Index<usize> for Flat<T> {
    type Output = [T];

    fn index(&self, list: usize) -> &[T] {
        &self.items[self.starts[list] as usize..self.starts[list + 1] as usize]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_list_reads_back_as_it_was_given_empty_ones_included() {
        let lists = vec![vec![1, 2], vec![], vec![3], vec![4, 5, 6], vec![]];
        let flat = Flat::new(lists.clone());
        for (i, list) in lists.iter().enumerate() {
            assert_eq!(&flat[i], list.as_slice());
        }
    }
}
