//! A packed R-tree over boxes (sort-tile-recursive, Leutenegger et al. 1997): built
//! once from every box, then asked which boxes meet a given one. The national cadastre
//! against every soum and zone asks a few thousand such questions.

use super::BBox;

/// Entries a node holds.
const FANOUT: usize = 16;

/// Boxes, each standing for an item by its position in the list it was built from.
#[derive(Debug, Clone, Default)]
pub struct RTree {
    /// `levels[0]` holds the items' boxes in tree order; each further level the union of
    /// `FANOUT` consecutive boxes of the level below.
    levels: Vec<Vec<BBox>>,
    /// The item each box of `levels[0]` stands for.
    items: Vec<usize>,
}

fn union(boxes: &[BBox]) -> BBox {
    boxes.iter().skip(1).fold(boxes[0], |a, b| {
        BBox([
            a.0[0].min(b.0[0]),
            a.0[1].min(b.0[1]),
            a.0[2].max(b.0[2]),
            a.0[3].max(b.0[3]),
        ])
    })
}

impl RTree {
    /// A tree of `boxes`; item `i` is `boxes[i]` (items without a box are left out).
    pub fn new(boxes: impl IntoIterator<Item = Option<BBox>>) -> RTree {
        let mut entries: Vec<(usize, BBox)> = boxes
            .into_iter()
            .enumerate()
            .filter_map(|(i, b)| b.map(|b| (i, b)))
            .collect();
        if entries.is_empty() {
            return RTree::default();
        }
        let centre = |b: &BBox, axis: usize| b.0[axis] + b.0[axis + 2];
        entries.sort_by(|a, b| centre(&a.1, 0).total_cmp(&centre(&b.1, 0)));
        let leaves = entries.len().div_ceil(FANOUT);
        let slice = (leaves as f64).sqrt().ceil() as usize * FANOUT;
        for chunk in entries.chunks_mut(slice) {
            chunk.sort_by(|a, b| centre(&a.1, 1).total_cmp(&centre(&b.1, 1)));
        }
        let items = entries.iter().map(|(i, _)| *i).collect();
        let mut levels = vec![entries.into_iter().map(|(_, b)| b).collect::<Vec<_>>()];
        while levels.last().is_some_and(|l| l.len() > 1) {
            let up = levels
                .last()
                .expect("a level")
                .chunks(FANOUT)
                .map(union)
                .collect();
            levels.push(up);
        }
        RTree { levels, items }
    }

    /// The items whose boxes meet `b`, in no particular order.
    pub fn query(&self, b: &BBox) -> Vec<usize> {
        let mut found = Vec::new();
        let Some(top) = self.levels.len().checked_sub(1) else {
            return found;
        };
        let mut stack: Vec<(usize, usize)> =
            (0..self.levels[top].len()).map(|i| (top, i)).collect();
        while let Some((level, i)) = stack.pop() {
            if !self.levels[level][i].meets(b) {
                continue;
            }
            if level == 0 {
                found.push(self.items[i]);
            } else {
                let below = self.levels[level - 1].len();
                stack.extend((i * FANOUT..((i + 1) * FANOUT).min(below)).map(|j| (level - 1, j)));
            }
        }
        found
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_query_finds_exactly_the_boxes_a_scan_finds() {
        // A grid of small boxes, some missing, asked about many windows.
        let boxes: Vec<Option<BBox>> = (0..2_000)
            .map(|i| {
                let (x, y) = ((i % 50) as f64, (i / 50) as f64);
                (i % 7 != 3).then_some(BBox([x, y, x + 0.8, y + 0.8 + (i % 3) as f64]))
            })
            .collect();
        let tree = RTree::new(boxes.clone());
        for w in 0..200 {
            let (x, y) = ((w * 13 % 50) as f64 + 0.5, (w * 7 % 40) as f64 + 0.3);
            let window = BBox([x, y, x + (w % 5) as f64, y + (w % 4) as f64]);
            let mut got = tree.query(&window);
            got.sort();
            let want: Vec<usize> = boxes
                .iter()
                .enumerate()
                .filter(|(_, b)| b.is_some_and(|b| b.meets(&window)))
                .map(|(i, _)| i)
                .collect();
            assert_eq!(got, want, "window {window:?}");
        }
        assert!(RTree::new([]).query(&BBox([0.0, 0.0, 1.0, 1.0])).is_empty());
    }
}
