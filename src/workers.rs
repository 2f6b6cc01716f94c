//! The scan thread pool and each thread's scratch space.

use std::sync::{Mutex, PoisonError};

use anyhow::Result;
use palisade_engine::{Finding, Scanner, Scratch};
use rayon::prelude::*;

/// The thread pool, with each thread's scan scratch. The scratch lives as
/// long as the run: it holds the lazy DFA caches, which are slow to fill and
/// must not start empty with every batch.
pub struct Workers {
    pool: rayon::ThreadPool,
    scratch: Vec<Mutex<(Scratch, Vec<Finding>)>>,
}

impl Workers {
    /// `threads` 0 means one per core.
    pub fn new(scanner: &Scanner, threads: usize) -> Result<Workers> {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()?;
        let scratch = (0..pool.current_num_threads())
            .map(|_| Mutex::new((scanner.scratch(), Vec::new())))
            .collect();
        Ok(Workers { pool, scratch })
    }

    /// `f` over `items` in parallel, results in order.
    pub fn map<T: Sync, R: Send>(
        &self,
        items: &[T],
        f: impl Fn(&T, &mut Scratch, &mut Vec<Finding>) -> R + Sync,
    ) -> Vec<R> {
        self.pool.install(|| {
            items
                .par_iter()
                .map(|item| {
                    let thread = rayon::current_thread_index().expect("runs on the pool");
                    // Each thread takes only its own slot: never contended.
                    let mut slot = self.scratch[thread]
                        .lock()
                        .unwrap_or_else(PoisonError::into_inner);
                    let (scratch, findings) = &mut *slot;
                    f(item, scratch, findings)
                })
                .collect()
        })
    }
}
