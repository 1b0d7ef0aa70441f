package policies

import (
	"fmt"
	"strconv"
)

var digitValue = map[rune]int{
	'零': 0, '〇': 0, '○': 0, '一': 1, '二': 2, '两': 2, '三': 3, '四': 4,
	'五': 5, '六': 6, '七': 7, '八': 8, '九': 9,
}

var unitValue = map[rune]int{'十': 10, '百': 100, '千': 1000}

// ParseNumeral converts a Chinese numeral (十五 → 15, 二十一 → 21,
// 一百零三 → 103) or ASCII digits to an integer. It accepts values up to 9999.
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
		if d, ok := digitValue[r]; ok {
			if digit >= 0 && digit != 0 && d != 0 {
				// Two digits in a row ("二三") is not a numeral here.
				return 0, fmt.Errorf("malformed numeral %q", s)
			}
			digit = d
			continue
		}
		u, ok := unitValue[r]
		if !ok {
			return 0, fmt.Errorf("malformed numeral %q: unexpected %q", s, r)
		}
		if u >= lastUnit {
			return 0, fmt.Errorf("malformed numeral %q: units out of order", s)
		}
		lastUnit = u
		if digit < 0 {
			// A leading 十 means 一十 (十五 = 15); elsewhere a unit needs a digit.
			if total != 0 || u != 10 {
				return 0, fmt.Errorf("malformed numeral %q", s)
			}
			digit = 1
		}
		total += digit * u
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
