// Package maptest is the harness of diskmap's tests: one way to open a map
// for a test and check it when the test ends, the durability modes the
// behaviour tests run in, the sample maps that tests damage, and the file,
// process and allocation checks that several packages' tests share.
//
// Every function that takes a testing.TB fails the test itself; those
// that return an error instead are for fuzz bodies and other code that
// runs where t.Fatal may not be called.
package maptest
