package web_test

import (
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"

	"policybot/web"
)

// TestAdminScope checks the scope fields over HTTP: the preview shows what
// was inferred and marks it so, the form fills in what the file does not
// say, and the list shows each document's region and year.
func TestAdminScope(t *testing.T) {
	e := startAdminServer(t, web.AdminDeps{})
	type scoped struct {
		Region   string   `json:"region"`
		Level    string   `json:"level"`
		Label    string   `json:"level_label"`
		Year     int      `json:"year"`
		Status   string   `json:"doc_status"`
		Inferred []string `json:"scope_inferred"`
		Errors   []adminFinding
	}
	// Inferred from the issuer (苏州市吴中区人民政府): no year anywhere.
	up := decode[scoped](t, e.upload(t, chenToken, "", "ocean.md", oceanDoc("wz-ocean", oceanV1), nil))
	if up.Region != "吴中区" || up.Level != "district" || up.Label != "区/县级市" || up.Year != 0 || !slices.Equal(up.Inferred, []string{"region", "level"}) {
		t.Errorf("upload preview scope = %+v; want 吴中区, district, inferred", up)
	}
	// The form corrects what was inferred (the file's front matter does
	// not say it), and declares the status; published at once.
	fields := map[string]string{"region": "相城区", "year": "2024", "status": "in-force"}
	up = decode[scoped](t, e.upload(t, chenToken, "?publish=1", "ocean.md", oceanDoc("wz-ocean", oceanV1), fields))
	if up.Region != "相城区" || up.Year != 2024 || up.Status != "in-force" || !slices.Equal(up.Inferred, []string{"level"}) {
		t.Errorf("upload with form scope = %+v; want 相城区, 2024 and in-force from the form, the level inferred", up)
	}
	body := wantStatus(t, e.upload(t, chenToken, "", "ocean.md", oceanDoc("wz-ocean", oceanV1), map[string]string{"year": "二〇二四"}),
		http.StatusUnprocessableEntity, "upload with a bad year")
	if !strings.Contains(body, "four digits") || !strings.Contains(body, "四位数字") {
		t.Errorf("bad year: %s; want the bilingual finding", body)
	}
	var list struct {
		Documents []struct {
			ID     string `json:"id"`
			Region string `json:"region"`
			Year   int    `json:"year"`
		} `json:"documents"`
	}
	if err := json.Unmarshal([]byte(wantStatus(t, e.as(t, liToken, http.MethodGet, "/admin/api/documents", nil), http.StatusOK, "list")), &list); err != nil {
		t.Fatal(err)
	}
	found := false
	for _, d := range list.Documents {
		if d.ID == "wz-ocean" {
			found = d.Region == "相城区" && d.Year == 2024
		}
	}
	if !found {
		t.Errorf("the list does not show wz-ocean's region and year: %+v", list.Documents)
	}
}
