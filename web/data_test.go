package web

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/saddle-viz/saddle/landscapes"
)

// postData uploads a body as the page does and decodes the reply.
func postData(t *testing.T, srv string, name, body string, header map[string]string) (int, dataReply) {
	t.Helper()
	req, _ := http.NewRequest("POST", srv+"/api/data?name="+name, strings.NewReader(body))
	req.Header.Set("Content-Type", "text/csv")
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var r dataReply
	if resp.StatusCode != http.StatusForbidden {
		if err := json.Unmarshal(b, &r); err != nil {
			t.Fatalf("%d %s: %v", resp.StatusCode, b, err)
		}
	}
	return resp.StatusCode, r
}

// An upload answers the data's name on this server and what was read, a
// bad file its line, column and problem; only the page's own origin may
// upload, and the upload is what the race and the export then train on.
func TestHandleData(t *testing.T) {
	srv := testServer(t)
	var b strings.Builder
	b.WriteString("x,y,species\n")
	t.Run("header", func(t *testing.T) {
		code, r := postData(t, srv.URL, "flowers.csv", b.String()+"1,2,a\n", nil)
		if code != 400 || r.Error == nil || r.Error.Line != 1 || r.Error.Column != 3 || !strings.Contains(r.Error.Message, `the header names the third column "species"`) {
			t.Errorf("%d %+v", code, r.Error)
		}
	})
	var good strings.Builder
	good.WriteString("x,y,class\n")
	for i := range 40 {
		fmt.Fprintf(&good, "%d,%d,%s\n", i, i%5, []string{"cat", "dog", "emu"}[i%3])
	}
	code, r := postData(t, srv.URL, "../../pets.csv", good.String(), map[string]string{"Origin": srv.URL})
	if code != 200 || r.Error != nil || len(r.ID) != 16 || r.Name != "pets.csv" || r.Rows != 40 || r.Classes != 3 || strings.Join(r.ClassNames, ",") != "cat,dog,emu" || r.Regression {
		t.Fatalf("%d %+v", code, r)
	}
	if _, ok := landscapes.Uploaded(r.ID); !ok {
		t.Error("the upload is not kept")
	}
	// The export of a race on it carries the data.
	resp, err := http.Get(srv.URL + "/export?format=json&steps=3&surface=" + strings.ReplaceAll("mlp:data=csv,h1=2,h2=0,csv="+r.ID, ",", "%2C") + "&opt=adam")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	var doc struct {
		Data struct{ Name, ID, CSV string }
	}
	if err := json.Unmarshal(body, &doc); err != nil || doc.Data.ID != r.ID || doc.Data.Name != "pets.csv" || !strings.HasPrefix(doc.Data.CSV, "x,y,label\n0,0,cat\n") {
		t.Errorf("%d %.300s: %+v %v", resp.StatusCode, body, doc, err)
	}
	if code, _ := postData(t, srv.URL, "x.csv", good.String(), map[string]string{"Origin": "http://elsewhere.example"}); code != http.StatusForbidden {
		t.Errorf("an upload from another origin: %d", code)
	}
	code, r = postData(t, srv.URL, "big.csv", strings.Repeat("1,2,3\n", 50000), nil)
	if code != 400 || r.Error == nil || r.Error.Message != "the file is larger than 256 KiB; at most 5000 rows of x,y,label are accepted" {
		t.Errorf("a large file: %d %+v", code, r.Error)
	}
}
