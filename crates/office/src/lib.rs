//! hegui-office: office documents. The questionnaire as an Excel workbook (drop-downs, prefilled
//! answers) and a filled workbook read back into facts, every problem named by sheet and cell.
#![warn(missing_docs)]

pub mod import;
pub mod xlsx;
