package amount

import (
	"fmt"
	"strconv"
)

// ParseNumeral reads the number of an article, chapter or item label: a
// whole number in ASCII digits or Chinese numerals (十五 → 15, 二十一 → 21,
// 一百零三 → 103), up to 9999. It is strict — 二三, 十十 and 百 are errors — so
// that a malformed label is reported instead of misnumbered.
func ParseNumeral(s string) (int, error) {
	if s == "" {
		return 0, fmt.Errorf("empty numeral")
	}
	if n, err := strconv.Atoi(s); err == nil {
		if n < 0 {
			return 0, fmt.Errorf("negative numeral %q", s)
		}
		return n, nil
	}
	total, digit := 0, -1
	lastUnit := 10000
	for _, r := range s {
		if d, ok := cnDigit[r]; ok {
			if digit >= 0 && digit != 0 && d != 0 {
				// Two digits in a row ("二三") is not a numeral here.
				return 0, fmt.Errorf("malformed numeral %q", s)
			}
			digit = int(d)
			continue
		}
		u, ok := cnSmallUnit[r]
		if !ok {
			return 0, fmt.Errorf("malformed numeral %q: unexpected %q", s, r)
		}
		if int(u) >= lastUnit {
			return 0, fmt.Errorf("malformed numeral %q: units out of order", s)
		}
		lastUnit = int(u)
		if digit < 0 {
			// A leading 十 means 一十 (十五 = 15); elsewhere a unit needs a digit.
			if total != 0 || u != 10 {
				return 0, fmt.Errorf("malformed numeral %q", s)
			}
			digit = 1
		}
		total += digit * int(u)
		digit = -1
	}
	if digit > 0 {
		total += digit
	}
	if total == 0 && digit != 0 {
		return 0, fmt.Errorf("malformed numeral %q", s)
	}
	return total, nil
}
