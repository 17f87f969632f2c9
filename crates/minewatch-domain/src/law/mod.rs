//! The law as data: the legal pack (laws, articles, duties with their sources,
//! standards, templates; `pack`), working-day calendars and due dates (`calendar`), and
//! letters made from the pack's templates (`letter`).

pub mod calendar;
pub mod letter;
pub mod pack;
