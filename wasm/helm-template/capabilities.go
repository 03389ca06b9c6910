package main

import "encoding/json"

// Metadata is Chart.yaml as Helm's chart.Metadata holds it, so .Chart.Name, .Chart.AppVersion and
// toYaml .Chart behave as in Helm. JSON keys are Chart.yaml's.
type Metadata struct {
	Name         string            `json:"name,omitempty"`
	Home         string            `json:"home,omitempty"`
	Sources      []string          `json:"sources,omitempty"`
	Version      string            `json:"version,omitempty"`
	Description  string            `json:"description,omitempty"`
	Keywords     []string          `json:"keywords,omitempty"`
	Maintainers  []*Maintainer     `json:"maintainers,omitempty"`
	Icon         string            `json:"icon,omitempty"`
	APIVersion   string            `json:"apiVersion,omitempty"`
	Condition    string            `json:"condition,omitempty"`
	Tags         string            `json:"tags,omitempty"`
	AppVersion   string            `json:"appVersion,omitempty"`
	Deprecated   bool              `json:"deprecated,omitempty"`
	Annotations  map[string]string `json:"annotations,omitempty"`
	KubeVersion  string            `json:"kubeVersion,omitempty"`
	Dependencies []*Dependency     `json:"dependencies,omitempty"`
	Type         string            `json:"type,omitempty"`
}

// Maintainer is one Chart.yaml maintainer.
type Maintainer struct {
	Name  string `json:"name,omitempty"`
	Email string `json:"email,omitempty"`
	URL   string `json:"url,omitempty"`
}

// Dependency is one Chart.yaml dependency, as the template sees it.
type Dependency struct {
	Name         string        `json:"name"`
	Version      string        `json:"version,omitempty"`
	Repository   string        `json:"repository"`
	Condition    string        `json:"condition,omitempty"`
	Tags         []string      `json:"tags,omitempty"`
	Enabled      bool          `json:"enabled,omitempty"`
	ImportValues []interface{} `json:"import-values,omitempty"`
	Alias        string        `json:"alias,omitempty"`
}

// chartObject is .Chart: the metadata plus IsRoot, as Helm embeds them.
type chartObject struct {
	Metadata
	IsRoot bool
}

// Capabilities mirrors Helm's common.Capabilities. Its fields carry no JSON names, so toJson and toYaml
// print Helm's (KubeVersion, APIVersions, HelmVersion); decoding matches the request's camelCase keys
// case-insensitively.
type Capabilities struct {
	KubeVersion KubeVersion
	APIVersions VersionSet
	HelmVersion BuildInfo
}

// KubeVersion is the cluster's version as Helm 4.2 holds it: Version exactly as given (a vendor suffix
// such as -gke.1245000 kept, for charts that detect their platform) and, when it was parsed from
// --kube-version, a normalized form without the suffix that String prints and kubeVersion checks use.
// From discovery there is no normalized form and String prints Version, as in Helm.
type KubeVersion struct {
	Version    string
	Major      string
	Minor      string
	normalized string
}

// UnmarshalJSON reads the request's {version, major, minor, normalized}; normalized stays unexported,
// so templates cannot reach it, as Helm's normalizedVersion.
func (kv *KubeVersion) UnmarshalJSON(data []byte) error {
	var wire struct {
		Version    string `json:"version"`
		Major      string `json:"major"`
		Minor      string `json:"minor"`
		Normalized string `json:"normalized"`
	}
	if err := json.Unmarshal(data, &wire); err != nil {
		return err
	}
	*kv = KubeVersion{Version: wire.Version, Major: wire.Major, Minor: wire.Minor, normalized: wire.Normalized}
	return nil
}

// String is what {{ .Capabilities.KubeVersion }} prints: the normalized version when there is one.
func (kv *KubeVersion) String() string {
	if kv.normalized != "" {
		return kv.normalized
	}
	return kv.Version
}

// GitVersion is the deprecated spelling of Version, suffix included.
func (kv *KubeVersion) GitVersion() string { return kv.Version }

// VersionSet lists the API group/versions (and group/version/kinds) the cluster serves.
type VersionSet []string

// Has reports whether the set holds an API version, as .Capabilities.APIVersions.Has does.
func (v VersionSet) Has(apiVersion string) bool {
	for _, x := range v {
		if x == apiVersion {
			return true
		}
	}
	return false
}

// BuildInfo is .Capabilities.HelmVersion.
type BuildInfo struct {
	Version      string `json:"version,omitempty"`
	GitCommit    string `json:"git_commit,omitempty"`
	GitTreeState string `json:"git_tree_state,omitempty"`
	GoVersion    string `json:"go_version,omitempty"`
}
