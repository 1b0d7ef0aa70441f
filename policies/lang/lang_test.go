package lang

import "testing"

func TestString(t *testing.T) {
	for _, tc := range []struct {
		t    Text
		want string
	}{
		{T("empty file", "文件为空"), "empty file (文件为空)"},
		{T("only English", ""), "only English"},
		{T("", "只有中文"), "只有中文"},
		{T("same", "same"), "same"},
		{Text{}, ""},
	} {
		if got := tc.t.String(); got != tc.want {
			t.Errorf("%#v.String() = %q, want %q", tc.t, got, tc.want)
		}
	}
}
