use super::*;
use crate::knowledge::Knowledge;

fn shipped() -> Knowledge {
    Knowledge::load_dir(std::path::Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/knowledge"
    )))
    .expect("the shipped knowledge loads")
}

/// Leave-one-out over the knowledge's own examples: each example is taken
/// out of the index and matched against the rest. In-scope examples must
/// find their entry, out-of-scope examples must find none. This is the set
/// the matcher's constants are tuned on, so the held-out questions in
/// `tests/data/` stay unseen.
fn leave_one_out(knowledge: &Knowledge) -> (f32, f32, Vec<String>) {
    let mut misses = Vec::new();
    let (mut hits, mut total) = (0, 0);
    for (entry_index, entry) in knowledge.entries().iter().enumerate() {
        for example_index in 0..entry.examples.len() {
            let mut reduced = knowledge.clone();
            let example = reduced.parts_mut().0[entry_index]
                .examples
                .remove(example_index);
            let found = Matcher::new(&reduced).find(&example);
            total += 1;
            if found.entry.as_deref() == Some(&entry.id) {
                hits += 1;
            } else {
                misses.push(format!("{} -> {:?} {:.2}: {example}", entry.id, found.entry, found.confidence));
            }
        }
    }
    let in_scope = hits as f32 / total as f32;
    let (mut abstained, mut total) = (0, 0);
    for (topic_index, topic) in knowledge.out_of_scope().iter().enumerate() {
        for example_index in 0..topic.examples.len() {
            let mut reduced = knowledge.clone();
            let example = reduced.parts_mut().1[topic_index]
                .examples
                .remove(example_index);
            let found = Matcher::new(&reduced).find(&example);
            total += 1;
            if found.entry.is_none() {
                abstained += 1;
            } else {
                misses.push(format!("(out of scope {}) -> {:?} {:.2}: {example}", topic.id, found.entry, found.confidence));
            }
        }
    }
    (in_scope, abstained as f32 / total.max(1) as f32, misses)
}

#[test]
fn leave_one_out_on_the_shipped_examples() {
    let (in_scope, out_of_scope, misses) = leave_one_out(&shipped());
    for miss in &misses {
        println!("{miss}");
    }
    println!("leave-one-out: in-scope top-1 {in_scope:.3}, out-of-scope abstention {out_of_scope:.3}");
    assert!(in_scope >= 0.85, "in-scope leave-one-out accuracy {in_scope:.3}");
    assert!(out_of_scope >= 0.80, "out-of-scope leave-one-out abstention {out_of_scope:.3}");
}
