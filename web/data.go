package web

import (
	"encoding/json"
	"errors"
	"net/http"
	"path"

	"github.com/saddle-viz/saddle/landscapes"
	"github.com/saddle-viz/saddle/landscapes/nets"
)

// dataReply is the answer to an upload: the data's name on this server and
// what was read, or what is wrong with the file and where.
type dataReply struct {
	ID         string     `json:"id,omitempty"`
	Name       string     `json:"name,omitempty"`
	Rows       int        `json:"rows,omitempty"`
	Classes    int        `json:"classes,omitempty"`
	ClassNames []string   `json:"class_names,omitempty"`
	Regression bool       `json:"regression,omitempty"`
	Error      *dataError `json:"error,omitempty"`
}

type dataError struct {
	Line    int    `json:"line,omitempty"`
	Column  int    `json:"column,omitempty"`
	Message string `json:"message"`
}

// handleData takes a CSV file of points as the body of a POST (?name= the
// file's name, for captions) and keeps it in memory for the session that
// trains on it (landscapes.Upload): the page then races on
// mlp:data=csv,csv=ID.
func handleData() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		name := path.Base(r.URL.Query().Get("name"))
		if name == "." || name == "/" || len(name) > 200 {
			name = "your data"
		}
		reply, status := dataReply{}, http.StatusOK
		u, err := nets.ReadCSV(name, http.MaxBytesReader(w, r.Body, nets.MaxCSVBytes+1))
		if err == nil {
			u, err = landscapes.Upload(u)
		}
		var ce *nets.CSVError
		switch {
		case errors.As(err, &ce):
			reply.Error, status = &dataError{Line: ce.Line, Column: ce.Column, Message: ce.Error()}, http.StatusBadRequest
		case errors.Is(err, landscapes.ErrUploadsFull):
			reply.Error, status = &dataError{Message: err.Error()}, http.StatusServiceUnavailable
		case err != nil:
			reply.Error, status = &dataError{Message: "the upload did not arrive whole: " + err.Error()}, http.StatusBadRequest
		default:
			d := u.Data
			reply = dataReply{ID: u.ID, Name: u.Name, Rows: d.N(), Classes: d.Classes, ClassNames: d.ClassNames, Regression: d.Regression()}
		}
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Cache-Control", "no-store")
		w.WriteHeader(status)
		json.NewEncoder(w).Encode(reply)
	})
}
