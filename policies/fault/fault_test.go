package fault

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"policybot/policies/lang"
)

func TestError(t *testing.T) {
	cause := errors.New("zip: not a valid zip file")
	for _, tc := range []struct {
		name string
		err  error
		kind Kind
		code string
		text string
	}{
		{"plain", New(NotFound, "no_such_document", lang.T(`there is no document "wz-x"`, "文档 wz-x 不存在")),
			NotFound, "no_such_document", `there is no document "wz-x" (文档 wz-x 不存在)`},
		{"wrapped", fmt.Errorf("publish: %w", New(Conflict, "", lang.T("not a draft", "不是草稿"))),
			Conflict, "", "publish: not a draft (不是草稿)"},
		{"with a cause", Wrap(Invalid, "damaged", lang.T("the file is damaged", "文件已损坏"), cause),
			Invalid, "damaged", "the file is damaged (文件已损坏): zip: not a valid zip file"},
		{"internal", fmt.Errorf("save: %w", context.Canceled), "", "", "save: context canceled"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := KindOf(tc.err); got != tc.kind {
				t.Errorf("KindOf = %q, want %q", got, tc.kind)
			}
			if got := CodeOf(tc.err); got != tc.code {
				t.Errorf("CodeOf = %q, want %q", got, tc.code)
			}
			if tc.kind != "" && !errors.Is(tc.err, tc.kind) {
				t.Errorf("errors.Is(err, %q) = false", tc.kind)
			}
			for _, k := range []Kind{Invalid, NotFound, Conflict, Rejected, TooLarge, Unsupported} {
				if k != tc.kind && errors.Is(tc.err, k) {
					t.Errorf("errors.Is(err, %q) = true", k)
				}
			}
			if got := tc.err.Error(); got != tc.text {
				t.Errorf("Error() = %q, want %q", got, tc.text)
			}
		})
	}
	if !errors.Is(Wrap(Invalid, "", lang.Text{}, cause), cause) {
		t.Error("a wrapped cause is not matched by errors.Is")
	}
}
