import { act, cleanup, render, screen } from "@testing-library/react";
import { afterEach, describe, expect, it } from "vitest";
import { MemoryRouter, Route, Routes, useNavigate } from "react-router";
import { PageHeading } from "./PageHeading";

afterEach(cleanup);

function Page({ title, to }: { title: string; to: string }) {
  const navigate = useNavigate();
  return (
    <>
      <PageHeading title={title} />
      <button type="button" onClick={() => void navigate(to)}>
        go
      </button>
    </>
  );
}

describe("PageHeading", () => {
  it("titles the window per page and moves the focus to the heading after a navigation, not on the first page", async () => {
    render(
      <MemoryRouter initialEntries={["/a"]}>
        <Routes>
          <Route path="/a" element={<Page title="First" to="/b" />} />
          <Route path="/b" element={<Page title="Second" to="/a" />} />
        </Routes>
      </MemoryRouter>,
    );
    expect(document.title).toBe("First · Hanko × Gin");
    expect(document.activeElement).toBe(document.body);
    act(() => {
      screen.getByRole("button", { name: "go" }).click();
    });
    const heading = await screen.findByRole("heading", { level: 1, name: "Second" });
    expect(document.title).toBe("Second · Hanko × Gin");
    expect(document.activeElement).toBe(heading);
  });
});
