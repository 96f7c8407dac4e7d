using Labd.Protocol;
using LibGit2Sharp;

namespace Labd.Git;

/// <summary>
/// An in-memory merge of two or more branch tips: the trees are folded left to right with
/// libgit2's merge-trees (no index, no working tree, no merge drivers or attributes-driven
/// filters run), and one commit with every tip as a parent, in order, records the result.
/// </summary>
internal static class Merge
{
    public static Commit Commits(Repository repository, IReadOnlyList<Commit> tips, IReadOnlyList<string> names, string message, Signature signature)
    {
        var options = new MergeTreeOptions { FailOnConflict = false, SkipReuc = true };
        var merged = tips[0];
        for (var i = 1; i < tips.Count; i++)
        {
            var result = repository.ObjectDatabase.MergeCommits(merged, tips[i], options);
            if (result.Status == MergeTreeStatus.Conflicts)
            {
                var paths = result.Conflicts
                    .Select(c => (c.Ours ?? c.Theirs ?? c.Ancestor).Path)
                    .Distinct(StringComparer.Ordinal)
                    .Order(StringComparer.Ordinal);
                var merging = string.Join(", ", names.Take(i + 1));
                throw new LabdException(ErrorCode.MergeConflict, $"merging {merging} conflicts in: {string.Join(", ", paths)}; resolve by merging them by hand into one of the parents, then retry");
            }
            var parents = tips.Take(i + 1);
            // Intermediate folds are unreferenced commits; only the last one becomes the branch.
            merged = repository.ObjectDatabase.CreateCommit(signature, signature, message, result.Tree, parents, prettifyMessage: false);
        }
        return merged;
    }
}
