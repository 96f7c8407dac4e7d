using System.Buffers.Binary;
using System.Runtime.InteropServices;

namespace Labd.Interop;

/// <summary>
/// setxattr(2) of <c>system.posix_acl_access</c> in the kernel's binary form (acl(5);
/// include/uapi/linux/posix_acl_xattr.h: a little-endian version 2 header, then entries of tag,
/// permissions and id, sorted by tag and id), so labd needs neither libacl nor setfacl.
/// </summary>
internal static partial class PosixAcl
{
    public const int Read = 4;
    public const int Write = 2;
    public const int Execute = 1;

    /// <summary>ACL_USER_OBJ … ACL_OTHER (ACL_UNDEFINED_ID, all ones, is the id of the entries without one).</summary>
    private enum Tag : ushort
    {
        UserObj = 0x01,
        User = 0x02,
        GroupObj = 0x04,
        Mask = 0x10,
        Other = 0x20,
    }

    /// <summary>The access ACL of <paramref name="path"/>: its owner <paramref name="ownerPermissions"/>,
    /// user <paramref name="uid"/> <paramref name="userPermissions"/>, its group and others nothing.
    /// Replaces the group bits of the mode with the mask, as chmod does on a file with an ACL.</summary>
    public static void Set(string path, int ownerPermissions, int uid, int userPermissions)
    {
        const uint NoId = uint.MaxValue;
        ReadOnlySpan<(Tag Tag, int Permissions, uint Id)> entries =
        [
            (Tag.UserObj, ownerPermissions, NoId),
            (Tag.User, userPermissions, (uint)uid),
            (Tag.GroupObj, 0, NoId),
            (Tag.Mask, userPermissions, NoId),
            (Tag.Other, 0, NoId),
        ];
        var value = new byte[4 + (entries.Length * 8)];
        BinaryPrimitives.WriteUInt32LittleEndian(value, 2);
        for (var i = 0; i < entries.Length; i++)
        {
            var entry = value.AsSpan(4 + (i * 8));
            BinaryPrimitives.WriteUInt16LittleEndian(entry, (ushort)entries[i].Tag);
            BinaryPrimitives.WriteUInt16LittleEndian(entry[2..], (ushort)entries[i].Permissions);
            BinaryPrimitives.WriteUInt32LittleEndian(entry[4..], entries[i].Id);
        }
        Errno.Check(() => lsetxattr(path, "system.posix_acl_access", value, (nuint)value.Length, 0), $"lsetxattr({path}, system.posix_acl_access)");
    }

    [LibraryImport("libc", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int lsetxattr(string path, string name, byte[] value, nuint size, int flags);
}
