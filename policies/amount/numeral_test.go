package amount

import "testing"

func TestParseNumeral(t *testing.T) {
	tests := []struct {
		in      string
		want    int
		wantErr bool
	}{
		{"一", 1, false},
		{"九", 9, false},
		{"十", 10, false},
		{"十五", 15, false},
		{"二十", 20, false},
		{"二十一", 21, false},
		{"九十九", 99, false},
		{"一百", 100, false},
		{"一百零三", 103, false},
		{"一百一十", 110, false},
		{"两百", 200, false},
		{"一千零一", 1001, false},
		{"15", 15, false},
		{"〇", 0, false},
		{"", 0, true},
		{"二三", 0, true},
		{"十十", 0, true},
		{"百", 0, true},
		{"五a", 0, true},
		{"十百", 0, true},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			got, err := ParseNumeral(tc.in)
			if (err != nil) != tc.wantErr {
				t.Fatalf("ParseNumeral(%q) error = %v, wantErr %v", tc.in, err, tc.wantErr)
			}
			if !tc.wantErr && got != tc.want {
				t.Errorf("ParseNumeral(%q) = %d, want %d", tc.in, got, tc.want)
			}
		})
	}
}
