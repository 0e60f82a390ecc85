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

    /// `lists` lists from `(list, item)` pairs, each list's items in the
    /// order given: one counting pass and one placing pass, instead of a
    /// vector per list grown push by push (thousands of small allocations).
    pub fn grouped(lists: usize, pairs: Vec<(u32, T)>) -> Self
    where
        T: Copy + Default,
    {
        let mut starts = vec![0u32; lists + 1];
        for &(list, _) in &pairs {
            starts[list as usize + 1] += 1;
        }
        for i in 1..starts.len() {
            starts[i] += starts[i - 1];
        }
        let mut next: Vec<u32> = starts[..lists].to_vec();
        let mut items = vec![T::default(); pairs.len()];
        for (list, item) in pairs {
            let at = &mut next[list as usize];
            items[*at as usize] = item;
            *at += 1;
        }
        Self { items, starts }
    }

    /// How many lists there are.
    pub fn lists(&self) -> usize {
        self.starts.len() - 1
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

    #[test]
    fn grouped_pairs_read_back_in_the_order_given_within_each_list() {
        let pairs = vec![(3, 'a'), (0, 'b'), (3, 'c'), (1, 'd'), (0, 'e'), (3, 'f')];
        let flat = Flat::grouped(5, pairs);
        assert_eq!(flat.lists(), 5);
        let lists: Vec<&[char]> = (0..5).map(|i| &flat[i]).collect();
        assert_eq!(lists, [&['b', 'e'][..], &['d'], &[], &['a', 'c', 'f'], &[]]);
    }
}
