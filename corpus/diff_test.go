package corpus

import (
	"testing"

	"policybot/policies"
)

func parse(tb testing.TB, md string) *policies.Document {
	tb.Helper()
	d, fs := policies.ParseFile("t.md", []byte(md))
	if policies.HasErrors(fs) {
		tb.Fatalf("test document does not parse: %v", fs)
	}
	return d
}

func TestCompare(t *testing.T) {
	const front = "---\nid: wz-a\ntitle: 测试\ncategory: other\n"
	v1 := parse(t, front+"---\n\n第一条 总则。\n\n第二条 补贴10万元。\n\n第三条 由区商务局负责。\n")
	v2 := parse(t, front+"effective_to: 2027-12-31\n---\n\n第一条 总则。\n\n第二条 补贴20万元。\n")
	v3 := parse(t, front+"---\n\n第一条 总则。\n\n第二条 补贴20万元。（责任单位：区工信局）\n\n第三条 新增条款。\n\n第四条 另一新增条款。\n")
	tests := []struct {
		name                    string
		old, new                *policies.Document
		added, removed, changed []int
		fields                  []string
	}{
		{"first version", nil, v1, []int{1, 2, 3}, nil, nil, []string{"id", "title", "category"}},
		{"same", v1, v1, nil, nil, nil, nil},
		{"amended", v1, v2, nil, []int{3}, []int{2}, []string{"effective_to"}},
		{"department counts", v2, v3, []int{3, 4}, nil, []int{2}, []string{"effective_to"}},
		{"unparsed new", v1, nil, nil, []int{1, 2, 3}, nil, []string{"id", "title", "category"}},
	}
	nums := func(cs []ArticleChange) []int {
		var out []int
		for _, c := range cs {
			out = append(out, c.Number)
		}
		return out
	}
	eq := func(a, b []int) bool {
		if len(a) != len(b) {
			return false
		}
		for i := range a {
			if a[i] != b[i] {
				return false
			}
		}
		return true
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d := Compare(tc.old, tc.new)
			if !eq(nums(d.Added), tc.added) || !eq(nums(d.Removed), tc.removed) || !eq(nums(d.Changed), tc.changed) {
				t.Errorf("Compare() added %v removed %v changed %v; want %v, %v, %v",
					nums(d.Added), nums(d.Removed), nums(d.Changed), tc.added, tc.removed, tc.changed)
			}
			var fields []string
			for _, f := range d.Fields {
				fields = append(fields, f.Field)
			}
			if len(fields) != len(tc.fields) {
				t.Errorf("Compare() fields = %v, want %v", fields, tc.fields)
			} else {
				for i := range fields {
					if fields[i] != tc.fields[i] {
						t.Errorf("Compare() fields = %v, want %v", fields, tc.fields)
						break
					}
				}
			}
			if d.Empty() != (tc.old == tc.new) {
				t.Errorf("Compare().Empty() = %v", d.Empty())
			}
		})
	}
	d := Compare(v1, v2)
	if c := d.Changed[0]; c.Label != "第2条" || c.Old.Text != "补贴10万元。" || c.New.Text != "补贴20万元。" {
		t.Errorf("changed article = %+v / %+v, want 第2条 from 补贴10万元 to 补贴20万元", c.Old, c.New)
	}
}
