//! Colours: a code's colour as the terminal can show it (truecolor only when COLORTERM
//! says so, else the 256-colour cube), and what stands in for colour under NO_COLOR.

use ratatui::style::{Color, Modifier, Style};

/// How colour is used.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Theme {
    pub color: bool,
    pub truecolor: bool,
}

/// Colours for codes without one, cycled by the code's position in the codebook.
const PALETTE: [(u8, u8, u8); 8] = [
    (0x61, 0xaf, 0xef),
    (0xe0, 0x6c, 0x75),
    (0x98, 0xc3, 0x79),
    (0xe5, 0xc0, 0x7b),
    (0xc6, 0x78, 0xdd),
    (0x56, 0xb6, 0xc2),
    (0xd1, 0x9a, 0x66),
    (0xbe, 0x50, 0x46),
];

impl Theme {
    /// From the environment: `NO_COLOR` (any value) turns colour off; `COLORTERM` of
    /// `truecolor` or `24bit` allows 24-bit colour.
    pub fn from_env() -> Theme {
        let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
        let truecolor = std::env::var("COLORTERM")
            .is_ok_and(|v| v.eq_ignore_ascii_case("truecolor") || v.eq_ignore_ascii_case("24bit"));
        Theme {
            color: !no_color,
            truecolor: truecolor && !no_color,
        }
    }

    /// A colour the terminal can show.
    pub fn rgb(&self, (r, g, b): (u8, u8, u8)) -> Color {
        if self.truecolor {
            Color::Rgb(r, g, b)
        } else {
            let (r, g, b) = cube(r, g, b);
            Color::Indexed(16 + 36 * r + 6 * g + b)
        }
    }

    /// The colour of a code: its `color` in the codebook, or one from the palette.
    pub fn code_rgb(hex: Option<&str>, index: usize) -> (u8, u8, u8) {
        hex.and_then(parse_hex)
            .unwrap_or(PALETTE[index % PALETTE.len()])
    }

    /// How coded text looks: a dark background of the code's colour, or (without
    /// colour) underlined.
    pub fn coded(&self, rgb: (u8, u8, u8)) -> Style {
        if !self.color {
            Style::default().add_modifier(Modifier::UNDERLINED)
        } else if self.truecolor {
            let dim = |v: u8| v / 3;
            Style::default().bg(Color::Rgb(dim(rgb.0), dim(rgb.1), dim(rgb.2)))
        } else {
            // Dimming first and then taking the nearest cube colour turns nearly every
            // code into the same grey (the cube has no level between 0 and 95). Dim in
            // the cube instead: lower every channel's level by as much as brings the
            // brightest to 2, which keeps the hue.
            let (r, g, b) = cube(rgb.0, rgb.1, rgb.2);
            let down = r.max(g).max(b).saturating_sub(2);
            let dim = |l: u8| l.saturating_sub(down);
            Style::default().bg(Color::Indexed(16 + 36 * dim(r) + 6 * dim(g) + dim(b)))
        }
    }

    /// A code's label in the margin.
    pub fn label(&self, rgb: (u8, u8, u8)) -> Style {
        if self.color {
            Style::default().fg(self.rgb(rgb))
        } else {
            Style::default().add_modifier(Modifier::BOLD)
        }
    }

    pub fn selected(&self) -> Style {
        Style::default().add_modifier(Modifier::REVERSED)
    }

    pub fn dim(&self) -> Style {
        if self.color {
            Style::default().fg(Color::DarkGray)
        } else {
            Style::default()
        }
    }

    pub fn error(&self) -> Style {
        if self.color {
            Style::default().fg(Color::Red).add_modifier(Modifier::BOLD)
        } else {
            Style::default().add_modifier(Modifier::BOLD)
        }
    }
}

/// A colour's levels (0-5 each) in the 6×6×6 cube of the 256-colour palette.
fn cube(r: u8, g: u8, b: u8) -> (u8, u8, u8) {
    let level = |v: u8| ((u16::from(v) * 5 + 127) / 255) as u8;
    (level(r), level(g), level(b))
}

fn parse_hex(s: &str) -> Option<(u8, u8, u8)> {
    let h = s.strip_prefix('#')?;
    if h.len() != 6 || !h.is_ascii() {
        return None;
    }
    let byte = |i: usize| u8::from_str_radix(h.get(i..i + 2)?, 16).ok();
    Some((byte(0)?, byte(2)?, byte(4)?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn colours_fall_back_to_the_256_cube_and_to_underline() {
        let t256 = Theme {
            color: true,
            truecolor: false,
        };
        assert_eq!(t256.rgb((255, 0, 0)), Color::Indexed(196));
        assert_eq!(t256.rgb((0, 0, 0)), Color::Indexed(16));
        let tc = Theme {
            color: true,
            truecolor: true,
        };
        assert_eq!(tc.rgb((1, 2, 3)), Color::Rgb(1, 2, 3));
        let none = Theme {
            color: false,
            truecolor: false,
        };
        assert!(
            none.coded((1, 2, 3))
                .add_modifier
                .contains(Modifier::UNDERLINED)
        );
        assert_eq!(Theme::code_rgb(Some("#e06c75"), 0), (0xe0, 0x6c, 0x75));
        assert_eq!(Theme::code_rgb(Some("bad"), 1), PALETTE[1]);
    }

    #[test]
    fn coded_backgrounds_in_256_colours_stay_dark_and_keep_their_hue() {
        // Regression: dimming before quantising made every palette colour but one the
        // same grey (Indexed(59) or (60)).
        let t256 = Theme {
            color: true,
            truecolor: false,
        };
        let backgrounds: Vec<Color> = PALETTE
            .iter()
            .filter_map(|&rgb| t256.coded(rgb).bg)
            .collect();
        let mut distinct = backgrounds.clone();
        distinct.sort_by_key(|c| format!("{c:?}"));
        distinct.dedup();
        assert!(distinct.len() >= 7, "{backgrounds:?}");
        // Red stays red, blue stays blue; no channel above level 2 (135).
        assert_eq!(t256.coded((0xe0, 0x6c, 0x75)).bg, Some(Color::Indexed(88)));
        assert_eq!(t256.coded((0x61, 0xaf, 0xef)).bg, Some(Color::Indexed(18)));
        for c in backgrounds {
            let Color::Indexed(i) = c else {
                panic!("{c:?}")
            };
            let i = i - 16;
            assert!(i / 36 <= 2 && (i / 6) % 6 <= 2 && i % 6 <= 2, "{c:?}");
        }
    }
}
