//! Values that the steps of a section share and that a step makes while it runs
//! (a constructor that talks to Redis, a timer that must start when its line
//! runs): a [`Slot`] filled by [`let_slot!`] and used by [`slot_step!`], whose
//! lines read exactly as the reader would write them.

use std::cell::RefCell;
use std::rc::Rc;

/// A value made by one step and used by the next ones.
pub(crate) type Slot<T> = Rc<RefCell<Option<T>>>;

/// A new, empty slot.
pub(crate) fn slot<T>() -> Slot<T> {
    Rc::new(RefCell::new(None))
}

/// A step that runs `let NAME = EXPR;` when its turn comes and keeps the value
/// in `slot`: `let_slot!(py "docs = ..."; [client, key] docs in slot = EXPR)`.
/// The names in brackets are cloned into the step.
macro_rules! let_slot {
    (py $py:literal; [$($cap:ident),*] $name:ident in $slot:ident = $($value:tt)+) => {{
        $(let $cap = $cap.clone();)*
        let slot = ::std::rc::Rc::clone(&$slot);
        $crate::tour::Step::run(
            concat!("let mut ", stringify!($name), " = ", stringify!($($value)+), ";"),
            Some($py),
            move || {
                *slot.borrow_mut() = Some({ $($value)+ });
                Ok(String::new())
            },
        )
    }};
}
pub(crate) use let_slot;

/// A step that runs a line with `NAME` bound to the value in `slot` (`&mut`):
/// `slot_step!(py "docs.misses()"; [slot as docs] docs.misses().count())`.
macro_rules! slot_step {
    (py $py:literal; [$slot:ident as $name:ident] $($code:tt)+) => {{
        let slot = ::std::rc::Rc::clone(&$slot);
        $crate::tour::Step::run(stringify!($($code)+), Some($py), move || {
            let mut held = slot.borrow_mut();
            let $name = held.as_mut().ok_or("an earlier step did not run")?;
            let value = { $($code)+ };
            Ok($crate::tour::show(&value))
        })
    }};
}
pub(crate) use slot_step;
