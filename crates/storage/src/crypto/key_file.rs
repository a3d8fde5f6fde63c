//! Where a master key file may live: never where one `git add .` puts it in the history of a
//! repository (SECURITY-CHECKLIST F4): inside a git work tree, unless git itself says the path
//! is ignored there (as `flowsense-data/` and `target/` are in this repository's `.gitignore`,
//! so that the demo runs from a clone).

use super::error::CryptoError;
use std::path::{Path, PathBuf};

/// The root of the git work tree (a folder holding `.git`, a directory in a clone or a file in
/// a linked work tree or submodule) that `path` would be inside, if any. `path` need not exist;
/// its nearest existing folder is resolved, symbolic links included.
pub(super) fn git_work_tree_holding(path: &Path) -> Option<PathBuf> {
    let absolute = std::path::absolute(path).ok()?;
    let existing = absolute.ancestors().find(|a| a.exists())?;
    let resolved = existing.canonicalize().ok()?;
    resolved
        .ancestors()
        .find(|folder| folder.join(".git").exists())
        .map(Path::to_path_buf)
}

/// Refuses a key file inside a git work tree that git does not ignore, naming the file and the
/// work tree.
pub(super) fn refuse_in_git_work_tree(path: &Path, source: &str) -> Result<(), CryptoError> {
    match git_work_tree_holding(path) {
        Some(root) if !ignored_by_git(&root, path) => Err(CryptoError::MasterKeyConfig(format!(
            "{source}: is inside the git work tree {} and not ignored by it; a master key must \
             never be committed, so keep it outside any checkout (for example \
             /etc/flowsense/master.key) or in a folder the repository's .gitignore lists",
            root.display()
        ))),
        _ => Ok(()),
    }
}

/// Whether `git check-ignore` says `path` is ignored in the work tree `root` (so `git add .`
/// leaves it out; a file git already tracks is not ignored). Without a git that answers, it is
/// not known to be ignored.
fn ignored_by_git(root: &Path, path: &Path) -> bool {
    let Ok(absolute) = std::path::absolute(path) else {
        return false;
    };
    std::process::Command::new("git")
        .arg("-C")
        .arg(root)
        .args(["check-ignore", "--quiet", "--"])
        .arg(absolute)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

#[cfg(test)]
mod tests {
    use super::super::Keyring;
    use std::os::unix::fs::PermissionsExt;

    fn private_key_file(path: &std::path::Path) {
        std::fs::create_dir_all(path.parent().expect("a folder")).expect("mkdir");
        std::fs::write(path, format!("v1:{}\n", "A".repeat(43) + "=")).expect("write");
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600)).expect("chmod");
    }

    #[test]
    fn a_master_key_file_inside_a_git_work_tree_is_refused() {
        let dir = tempfile::tempdir().expect("tempdir");
        let outside = dir.path().join("etc/master.key");
        private_key_file(&outside);
        Keyring::from_file(&outside).expect("a private key file outside any checkout loads");

        // A clone: `.git` is a folder at the root; the key sits two folders below.
        let clone = dir.path().join("clone");
        std::fs::create_dir_all(clone.join(".git")).expect("mkdir .git");
        let inside = clone.join("deploy/secrets/master.key");
        private_key_file(&inside);
        let err = Keyring::from_file(&inside)
            .expect_err("a key in a work tree")
            .to_string();
        assert!(
            err.contains("FLOWSENSE_MASTER_KEY_FILE")
                && err.contains("master.key")
                && err.contains("git work tree")
                && err.contains(
                    &clone
                        .canonicalize()
                        .expect("real path")
                        .display()
                        .to_string()
                ),
            "{err}"
        );
        assert!(!err.contains(&"A".repeat(43)), "the key never shows: {err}");

        // A linked work tree or submodule: `.git` is a file. Reached through a symbolic link
        // from outside, it is still refused.
        let linked = dir.path().join("linked");
        std::fs::create_dir_all(&linked).expect("mkdir");
        std::fs::write(linked.join(".git"), "gitdir: /elsewhere/.git/worktrees/x\n").expect(".git");
        private_key_file(&linked.join("master.key"));
        let link = dir.path().join("etc/link.key");
        std::os::unix::fs::symlink(linked.join("master.key"), &link).expect("symlink");
        assert!(Keyring::from_file(&linked.join("master.key")).is_err());
        let err = Keyring::from_file(&link)
            .expect_err("through a link")
            .to_string();
        assert!(err.contains("git work tree"), "{err}");

        // Nor is a new key file created there.
        let fresh = clone.join("flowsense-data/master.key");
        let err = Keyring::load_or_create(&fresh)
            .expect_err("no key created in a work tree")
            .to_string();
        assert!(err.contains("git work tree"), "{err}");
        assert!(!fresh.exists(), "nothing was written");
    }

    #[test]
    fn a_key_in_a_folder_the_work_tree_ignores_is_allowed_and_a_tracked_one_is_not() {
        let git = |dir: &std::path::Path, args: &[&str]| {
            let ok = std::process::Command::new("git")
                .arg("-C")
                .arg(dir)
                .args(args)
                .output()
                .expect("git runs")
                .status
                .success();
            assert!(ok, "git {args:?}");
        };
        let dir = tempfile::tempdir().expect("tempdir");
        let repo = dir.path().join("repo");
        std::fs::create_dir_all(&repo).expect("mkdir");
        git(&repo, &["init", "--quiet"]);
        std::fs::write(repo.join(".gitignore"), "/flowsense-data\n").expect(".gitignore");

        // As `cargo run -- demo` does from a clone: the data folder is ignored.
        let ignored = repo.join("flowsense-data/master.key");
        Keyring::load_or_create(&ignored).expect("a key in an ignored folder is made");
        Keyring::from_file(&ignored).expect("and read");

        // A key beside the sources is not ignored; once tracked, not even a .gitignore line
        // saves it (git would keep committing its changes).
        let loose = repo.join("master.key");
        private_key_file(&loose);
        let err = Keyring::from_file(&loose)
            .expect_err("not ignored")
            .to_string();
        assert!(err.contains("not ignored"), "{err}");
        git(&repo, &["add", "master.key"]);
        std::fs::write(repo.join(".gitignore"), "/flowsense-data\nmaster.key\n")
            .expect(".gitignore");
        let err = Keyring::from_file(&loose).expect_err("tracked").to_string();
        assert!(err.contains("git work tree"), "{err}");
    }
}
