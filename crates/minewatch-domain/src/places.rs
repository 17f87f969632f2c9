//! Mongolia's aimags and the capital by their statistical codes (the National
//! Statistics Office's codes, which OCHA's COD-AB boundaries carry as `ADM1_PCODE` and
//! the cadastre as the first two digits of a soum's code: soum `4613`, Gurvantes, lies
//! in aimag `46`, Ömnögovi).

use crate::text::Localized;

/// `(code, Mongolian name, English name)`.
pub const AIMAGS: [(&str, &str, &str); 22] = [
    ("11", "Улаанбаатар", "Ulaanbaatar"),
    ("21", "Дорнод", "Dornod"),
    ("22", "Сүхбаатар", "Sükhbaatar"),
    ("23", "Хэнтий", "Khentii"),
    ("41", "Төв", "Töv"),
    ("42", "Говьсүмбэр", "Govisümber"),
    ("43", "Сэлэнгэ", "Selenge"),
    ("44", "Дорноговь", "Dornogovi"),
    ("45", "Дархан-Уул", "Darkhan-Uul"),
    ("46", "Өмнөговь", "Ömnögovi"),
    ("48", "Дундговь", "Dundgovi"),
    ("61", "Орхон", "Orkhon"),
    ("62", "Өвөрхангай", "Övörkhangai"),
    ("63", "Булган", "Bulgan"),
    ("64", "Баянхонгор", "Bayankhongor"),
    ("65", "Архангай", "Arkhangai"),
    ("67", "Хөвсгөл", "Khövsgöl"),
    ("81", "Завхан", "Zavkhan"),
    ("82", "Говь-Алтай", "Govi-Altai"),
    ("83", "Баян-Өлгий", "Bayan-Ölgii"),
    ("84", "Ховд", "Khovd"),
    ("85", "Увс", "Uvs"),
];

/// The aimag a soum's code (`4613`, or a P-code `MN4613`/`4613.0`) says it lies in.
pub fn aimag_of_soum_code(code: &str) -> Option<Localized> {
    let digits: String = code
        .trim()
        .trim_start_matches("MN")
        .split('.')
        .next()?
        .chars()
        .filter(char::is_ascii_digit)
        .collect();
    if digits.len() != 4 {
        return None;
    }
    AIMAGS
        .iter()
        .find(|(c, _, _)| *c == &digits[..2])
        .map(|(_, mn, en)| Localized::new(mn, en))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_soum_code_names_its_aimag() {
        let a = aimag_of_soum_code("4613").unwrap();
        assert_eq!(a.en.as_deref(), Some("Ömnögovi"));
        assert_eq!(
            aimag_of_soum_code("4625.0").unwrap().mn.as_deref(),
            Some("Өмнөговь")
        );
        assert_eq!(aimag_of_soum_code("9901"), None);
        assert_eq!(aimag_of_soum_code("46"), None);
    }
}
